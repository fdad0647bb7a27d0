"""Macro Center: a PC-parts store with two warehouses, the main demo tenant.

Prices are in USD. Stock is per warehouse ("east" ships from New Jersey, "west" from Nevada);
a quantity at or under the threshold (5) is low stock, some items are sold out in one or both.
The knowledge base is in ``articles/macrocenter/``.
"""

from datetime import timedelta
from decimal import Decimal

from supportdesk.demo.spec import (
    AgentProfileSpec,
    CalendarSpec,
    ConversationSpec,
    CustomerSpec,
    EscalationPolicySpec,
    MessageSpec,
    OrderSpec,
    ProductSpec,
    QueueSpec,
    RefundSpec,
    ReviewSpec,
    TenantDemo,
    TicketSpec,
    WidgetKeySpec,
)

D = Decimal
FREE = D("0.00")
STANDARD = D("9.99")  # under $99
EXPEDITED = D("19.99")
OVERNIGHT = D("39.99")


def days(n: float) -> timedelta:
    return timedelta(days=n)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def stock(east: int, west: int) -> dict[str, int]:
    return {"east": east, "west": west}


# --------------------------------------------------------------------------- catalogue

GPUS = (
    ProductSpec(
        sku="MC-GPU-RTX4090-TUF",
        name="ASUS TUF Gaming GeForce RTX 4090 OC 24GB",
        category="gpu",
        price=D("1799.99"),
        attributes={"tdp_watts": 450, "length_mm": 348, "recommended_psu_watts": 1000, "pcie": "4.0 x16"},
        description="Flagship 24 GB Ada Lovelace card, 3.65-slot cooler, one 16-pin 12VHPWR connector.",
        stock=stock(2, 0),
    ),
    ProductSpec(
        sku="MC-GPU-RTX4080S-GXS",
        name="MSI GeForce RTX 4080 SUPER 16G Gaming X Slim",
        category="gpu",
        price=D("999.99"),
        attributes={"tdp_watts": 320, "length_mm": 322, "recommended_psu_watts": 850, "pcie": "4.0 x16"},
        description="16 GB GDDR6X, 3-slot slim cooler, one 16-pin 12VHPWR connector.",
        stock=stock(7, 4),
    ),
    ProductSpec(
        sku="MC-GPU-RTX4070S-WF",
        name="Gigabyte GeForce RTX 4070 SUPER WINDFORCE OC 12G",
        category="gpu",
        price=D("599.99"),
        attributes={"tdp_watts": 220, "length_mm": 261, "recommended_psu_watts": 650, "pcie": "4.0 x16"},
        description="12 GB GDDR6X, 2.5-slot, one 16-pin connector (adapter included). Fits most mid-towers.",
        stock=stock(12, 9),
    ),
    ProductSpec(
        sku="MC-GPU-RTX4060-DUAL",
        name="ASUS Dual GeForce RTX 4060 OC 8GB",
        category="gpu",
        price=D("299.99"),
        attributes={"tdp_watts": 115, "length_mm": 227, "recommended_psu_watts": 550, "pcie": "4.0 x8"},
        description="Compact 2-slot 1080p card with one 8-pin connector.",
        stock=stock(25, 18),
    ),
    ProductSpec(
        sku="MC-GPU-RX7900XTX-PULSE",
        name="Sapphire PULSE Radeon RX 7900 XTX 24GB",
        category="gpu",
        price=D("929.99"),
        attributes={"tdp_watts": 355, "length_mm": 313, "recommended_psu_watts": 850, "pcie": "4.0 x16"},
        description="24 GB GDDR6 RDNA 3 card, two 8-pin connectors.",
        stock=stock(3, 5),
    ),
    ProductSpec(
        sku="MC-GPU-RX7900XT-MERC",
        name="XFX Speedster MERC 310 Radeon RX 7900 XT 20GB",
        category="gpu",
        price=D("699.99"),
        attributes={"tdp_watts": 315, "length_mm": 344, "recommended_psu_watts": 800, "pcie": "4.0 x16"},
        description="20 GB GDDR6, triple-fan 3-slot cooler, three 8-pin connectors.",
        stock=stock(0, 6),
    ),
    ProductSpec(
        sku="MC-GPU-RX7800XT-HH",
        name="PowerColor Hellhound Radeon RX 7800 XT 16GB",
        category="gpu",
        price=D("499.99"),
        attributes={"tdp_watts": 263, "length_mm": 322, "recommended_psu_watts": 700, "pcie": "4.0 x16"},
        description="16 GB GDDR6 1440p card, two 8-pin connectors.",
        stock=stock(9, 11),
    ),
    ProductSpec(
        sku="MC-GPU-ARCA750-CL",
        name="ASRock Challenger Arc A750 8GB",
        category="gpu",
        price=D("199.99"),
        attributes={"tdp_watts": 225, "length_mm": 250, "recommended_psu_watts": 600, "pcie": "4.0 x16"},
        description="Budget 1080p card; needs Resizable BAR enabled in the motherboard BIOS for full speed.",
        stock=stock(0, 0),
    ),
)

CPUS = (
    ProductSpec(
        sku="MC-CPU-R9-7950X",
        name="AMD Ryzen 9 7950X",
        category="cpu",
        price=D("549.00"),
        attributes={"socket": "AM5", "tdp_watts": 170, "cores": 16},
        description="16 cores / 32 threads, up to 5.7 GHz. No cooler in the box.",
        stock=stock(6, 4),
    ),
    ProductSpec(
        sku="MC-CPU-R7-7800X3D",
        name="AMD Ryzen 7 7800X3D",
        category="cpu",
        price=D("449.00"),
        attributes={"socket": "AM5", "tdp_watts": 120, "cores": 8},
        description="8 cores with 96 MB 3D V-Cache, the fastest gaming CPU in its class. No cooler in the box.",
        stock=stock(1, 0),
    ),
    ProductSpec(
        sku="MC-CPU-R5-7600X",
        name="AMD Ryzen 5 7600X",
        category="cpu",
        price=D("229.00"),
        attributes={"socket": "AM5", "tdp_watts": 105, "cores": 6},
        description="6 cores / 12 threads, up to 5.3 GHz. No cooler in the box.",
        stock=stock(20, 15),
    ),
    ProductSpec(
        sku="MC-CPU-R7-5800X3D",
        name="AMD Ryzen 7 5800X3D",
        category="cpu",
        price=D("329.00"),
        attributes={"socket": "AM4", "tdp_watts": 105, "cores": 8},
        description="The AM4 drop-in gaming upgrade: 8 cores, 96 MB L3 cache, DDR4 platform.",
        stock=stock(4, 2),
    ),
    ProductSpec(
        sku="MC-CPU-I9-14900K",
        name="Intel Core i9-14900K",
        category="cpu",
        price=D("549.99"),
        attributes={"socket": "LGA1700", "tdp_watts": 125, "cores": 24},
        description="24 cores (8P + 16E), up to 6.0 GHz, unlocked. Update the motherboard BIOS before first boot.",
        stock=stock(8, 6),
    ),
    ProductSpec(
        sku="MC-CPU-I7-14700K",
        name="Intel Core i7-14700K",
        category="cpu",
        price=D("399.99"),
        attributes={"socket": "LGA1700", "tdp_watts": 125, "cores": 20},
        description="20 cores (8P + 12E), up to 5.6 GHz, unlocked.",
        stock=stock(10, 0),
    ),
    ProductSpec(
        sku="MC-CPU-I5-14600K",
        name="Intel Core i5-14600K",
        category="cpu",
        price=D("299.99"),
        attributes={"socket": "LGA1700", "tdp_watts": 125, "cores": 14},
        description="14 cores (6P + 8E), up to 5.3 GHz, unlocked.",
        stock=stock(14, 12),
    ),
)

MOTHERBOARDS = (
    ProductSpec(
        sku="MC-MB-X670E-STRIX-E",
        name="ASUS ROG STRIX X670E-E GAMING WIFI",
        category="motherboard",
        price=D("469.99"),
        attributes={"socket": "AM5", "form_factor": "ATX", "memory_type": "DDR5"},
        description="AM5 X670E, PCIe 5.0 x16 slot, four M.2 slots, Wi-Fi 6E, 2.5 GbE.",
        stock=stock(3, 2),
    ),
    ProductSpec(
        sku="MC-MB-B650-TOMAHAWK",
        name="MSI MAG B650 TOMAHAWK WIFI",
        category="motherboard",
        price=D("219.99"),
        attributes={"socket": "AM5", "form_factor": "ATX", "memory_type": "DDR5"},
        description="AM5 B650, three M.2 slots, Wi-Fi 6E, BIOS Flashback button.",
        stock=stock(11, 8),
    ),
    ProductSpec(
        sku="MC-MB-B650M-AORUS",
        name="Gigabyte B650M AORUS ELITE AX",
        category="motherboard",
        price=D("189.99"),
        attributes={"socket": "AM5", "form_factor": "Micro-ATX", "memory_type": "DDR5"},
        description="AM5 B650 Micro-ATX, two M.2 slots, Wi-Fi 6E.",
        stock=stock(6, 7),
    ),
    ProductSpec(
        sku="MC-MB-Z790-TUF",
        name="ASUS TUF GAMING Z790-PLUS WIFI",
        category="motherboard",
        price=D("279.99"),
        attributes={"socket": "LGA1700", "form_factor": "ATX", "memory_type": "DDR5"},
        description="LGA1700 Z790 for 12th-14th gen Intel Core, four M.2 slots, Wi-Fi 6.",
        stock=stock(5, 9),
    ),
    ProductSpec(
        sku="MC-MB-B760M-PRO-D4",
        name="MSI PRO B760M-A WIFI DDR4",
        category="motherboard",
        price=D("149.99"),
        attributes={"socket": "LGA1700", "form_factor": "Micro-ATX", "memory_type": "DDR4"},
        description="LGA1700 B760 Micro-ATX for DDR4 memory, two M.2 slots, Wi-Fi 6E.",
        stock=stock(0, 4),
    ),
    ProductSpec(
        sku="MC-MB-B550-ITX",
        name="ASRock B550 Phantom Gaming-ITX/ax",
        category="motherboard",
        price=D("189.99"),
        attributes={"socket": "AM4", "form_factor": "Mini-ITX", "memory_type": "DDR4"},
        description="AM4 B550 Mini-ITX for small builds, two M.2 slots, Wi-Fi 6.",
        stock=stock(2, 3),
    ),
)

RAM = (
    ProductSpec(
        sku="MC-RAM-CMK32GX5M2B6000C30",
        name="Corsair Vengeance 32GB (2x16GB) DDR5-6000 CL30",
        category="ram",
        price=D("114.99"),
        attributes={"memory_type": "DDR5", "capacity_gb": 32, "speed_mts": 6000},
        description="AMD EXPO and Intel XMP 3.0 profiles; the sweet spot for Ryzen 7000.",
        stock=stock(30, 22),
    ),
    ProductSpec(
        sku="MC-RAM-F5-6400J3239G32GX2",
        name="G.Skill Trident Z5 RGB 64GB (2x32GB) DDR5-6400 CL32",
        category="ram",
        price=D("209.99"),
        attributes={"memory_type": "DDR5", "capacity_gb": 64, "speed_mts": 6400},
        description="Intel XMP 3.0 kit with RGB light bars.",
        stock=stock(4, 0),
    ),
    ProductSpec(
        sku="MC-RAM-KF556C40BBK2-32",
        name="Kingston FURY Beast 32GB (2x16GB) DDR5-5600 CL40",
        category="ram",
        price=D("99.99"),
        attributes={"memory_type": "DDR5", "capacity_gb": 32, "speed_mts": 5600},
        description="Low-profile heat spreader, XMP 3.0 and EXPO profiles.",
        stock=stock(16, 13),
    ),
    ProductSpec(
        sku="MC-RAM-CMK16GX4M2E3200C16",
        name="Corsair Vengeance LPX 16GB (2x8GB) DDR4-3200 CL16",
        category="ram",
        price=D("44.99"),
        attributes={"memory_type": "DDR4", "capacity_gb": 16, "speed_mts": 3200},
        description="Low-profile DDR4 kit for AM4 and DDR4 Intel boards.",
        stock=stock(40, 35),
    ),
    ProductSpec(
        sku="MC-RAM-F4-3600C16D-32GVKC",
        name="G.Skill Ripjaws V 32GB (2x16GB) DDR4-3600 CL16",
        category="ram",
        price=D("69.99"),
        attributes={"memory_type": "DDR4", "capacity_gb": 32, "speed_mts": 3600},
        description="DDR4-3600 CL16, the best match for Ryzen 5000.",
        stock=stock(5, 8),
    ),
)

STORAGE = (
    ProductSpec(
        sku="MC-SSD-990PRO-2TB",
        name="Samsung 990 PRO 2TB NVMe M.2 SSD",
        category="storage",
        price=D("169.99"),
        attributes={"interface": "PCIe 4.0 NVMe", "capacity_gb": 2000},
        description="Up to 7,450 MB/s reads; 5-year limited warranty.",
        stock=stock(18, 14),
    ),
    ProductSpec(
        sku="MC-SSD-SN850X-1TB",
        name="WD_BLACK SN850X 1TB NVMe M.2 SSD",
        category="storage",
        price=D("89.99"),
        attributes={"interface": "PCIe 4.0 NVMe", "capacity_gb": 1000},
        description="Up to 7,300 MB/s reads, PS5-compatible (heatsink sold separately).",
        stock=stock(21, 17),
    ),
    ProductSpec(
        sku="MC-SSD-P3PLUS-4TB",
        name="Crucial P3 Plus 4TB NVMe M.2 SSD",
        category="storage",
        price=D("239.99"),
        attributes={"interface": "PCIe 4.0 NVMe", "capacity_gb": 4000},
        description="High-capacity QLC drive for game libraries.",
        stock=stock(0, 3),
    ),
    ProductSpec(
        sku="MC-SSD-870EVO-1TB",
        name='Samsung 870 EVO 1TB 2.5" SATA SSD',
        category="storage",
        price=D("89.99"),
        attributes={"interface": "SATA III", "capacity_gb": 1000},
        description="2.5-inch SATA drive for older systems and extra storage.",
        stock=stock(9, 10),
    ),
    ProductSpec(
        sku="MC-HDD-BARRACUDA-4TB",
        name='Seagate BarraCuda 4TB 3.5" Hard Drive',
        category="storage",
        price=D("84.99"),
        attributes={"interface": "SATA III", "capacity_gb": 4000},
        description="5,400 RPM desktop drive for bulk storage and backups.",
        stock=stock(12, 0),
    ),
)

PSUS = (
    ProductSpec(
        sku="MC-PSU-RM750E",
        name="Corsair RM750e 750W 80 PLUS Gold Fully Modular",
        category="psu",
        price=D("99.99"),
        attributes={"wattage": 750, "efficiency": "80 PLUS Gold", "modular": "full"},
        description="ATX 3.0 with a native 12VHPWR cable; 7-year warranty.",
        stock=stock(15, 11),
    ),
    ProductSpec(
        sku="MC-PSU-RM850X",
        name="Corsair RM850x 850W 80 PLUS Gold Fully Modular",
        category="psu",
        price=D("139.99"),
        attributes={"wattage": 850, "efficiency": "80 PLUS Gold", "modular": "full"},
        description="ATX 3.0, native 12VHPWR cable, zero-RPM fan mode; 10-year warranty.",
        stock=stock(14, 9),
    ),
    ProductSpec(
        sku="MC-PSU-PRIME-TX1000",
        name="Seasonic PRIME TX-1000 1000W 80 PLUS Titanium Fully Modular",
        category="psu",
        price=D("329.99"),
        attributes={"wattage": 1000, "efficiency": "80 PLUS Titanium", "modular": "full"},
        description="Titanium efficiency, 12-year warranty; the pick for RTX 4090 builds.",
        stock=stock(2, 1),
    ),
    ProductSpec(
        sku="MC-PSU-SP12-1000",
        name="be quiet! Straight Power 12 1000W 80 PLUS Platinum",
        category="psu",
        price=D("219.99"),
        attributes={"wattage": 1000, "efficiency": "80 PLUS Platinum", "modular": "full"},
        description="ATX 3.0, native 12VHPWR cable, near-silent Silent Wings fan.",
        stock=stock(6, 5),
    ),
    ProductSpec(
        sku="MC-PSU-GF3-1200",
        name="Thermaltake Toughpower GF3 1200W 80 PLUS Gold",
        category="psu",
        price=D("219.99"),
        attributes={"wattage": 1200, "efficiency": "80 PLUS Gold", "modular": "full"},
        description="ATX 3.0 with two native 12VHPWR cables for high-end builds.",
        stock=stock(0, 2),
    ),
    ProductSpec(
        sku="MC-PSU-EVGA-600BR",
        name="EVGA 600 BR 600W 80 PLUS Bronze",
        category="psu",
        price=D("59.99"),
        attributes={"wattage": 600, "efficiency": "80 PLUS Bronze", "modular": "none"},
        description="Non-modular budget supply for entry-level builds with a single graphics card.",
        stock=stock(10, 7),
    ),
)

CASES = (
    ProductSpec(
        sku="MC-CASE-O11D-EVO",
        name="Lian Li O11 Dynamic EVO",
        category="case",
        price=D("159.99"),
        attributes={"form_factor_support": ["E-ATX", "ATX", "Micro-ATX", "Mini-ITX"], "max_gpu_length_mm": 422},
        description="Dual-chamber showcase case with tempered-glass front and side; no fans included.",
        stock=stock(5, 6),
    ),
    ProductSpec(
        sku="MC-CASE-FD-NORTH",
        name="Fractal Design North",
        category="case",
        price=D("139.99"),
        attributes={"form_factor_support": ["ATX", "Micro-ATX", "Mini-ITX"], "max_gpu_length_mm": 355},
        description="Mid-tower with a walnut front panel and two 140 mm fans.",
        stock=stock(4, 4),
    ),
    ProductSpec(
        sku="MC-CASE-NZXT-H5-FLOW",
        name="NZXT H5 Flow",
        category="case",
        price=D("94.99"),
        attributes={"form_factor_support": ["ATX", "Micro-ATX", "Mini-ITX"], "max_gpu_length_mm": 365},
        description="Compact mid-tower with a perforated front and two 120 mm fans.",
        stock=stock(13, 10),
    ),
    ProductSpec(
        sku="MC-CASE-CM-NR200P",
        name="Cooler Master MasterBox NR200P",
        category="case",
        price=D("109.99"),
        attributes={"form_factor_support": ["Mini-ITX"], "max_gpu_length_mm": 330},
        description="Mini-ITX small-form-factor case, SFX power supplies only, GPUs up to 330 mm.",
        stock=stock(3, 0),
    ),
    ProductSpec(
        sku="MC-CASE-4000D-AF",
        name="Corsair 4000D Airflow",
        category="case",
        price=D("104.99"),
        attributes={"form_factor_support": ["ATX", "Micro-ATX", "Mini-ITX"], "max_gpu_length_mm": 360},
        description="High-airflow mid-tower with two 120 mm fans and tool-free cable routing.",
        stock=stock(16, 12),
    ),
)

PRODUCTS = GPUS + CPUS + MOTHERBOARDS + RAM + STORAGE + PSUS + CASES

# --------------------------------------------------------------------------- shoppers and orders

ALEX = "alex.morgan@example.com"  # ORD-1001, ORD-1002, ORD-1003
PRIYA = "priya.shah@example.com"
MARCUS = "+12065550147"  # phone only (SMS shopper)
SOFIA = "sofia.rossi@example.com"
DANIEL = "daniel.kim@example.com"
HANNAH = "+15125550134"  # phone only
JORDAN = "jordan.rivera@example.com"
EMILY = "emily.chen@example.com"
OMAR = "omar.haddad@example.com"
GRACE = "+13035550172"  # phone only
LUCAS = "lucas.silva@example.com"
MIA = "mia.johnson@example.com"


def address(line1: str, city: str, region: str, postal_code: str) -> dict[str, str]:
    return {"line1": line1, "city": city, "region": region, "postal_code": postal_code, "country": "US"}


CUSTOMERS = (
    CustomerSpec(
        "Alex Morgan", address("214 Bedford Ave Apt 3R", "Brooklyn", "NY", "11249"), email=ALEX, phone="+14155550123"
    ),
    CustomerSpec("Priya Shah", address("1820 Market St Apt 12", "San Francisco", "CA", "94102"), email=PRIYA),
    CustomerSpec("Marcus Lee", address("4521 Fremont Ave N", "Seattle", "WA", "98103"), phone=MARCUS),
    CustomerSpec(
        "Sofia Rossi", address("1550 N Damen Ave Unit 2", "Chicago", "IL", "60622"), email=SOFIA, phone="+13125550188"
    ),
    CustomerSpec("Daniel Kim", address("77 Harvard St", "Cambridge", "MA", "02139"), email=DANIEL),
    CustomerSpec("Hannah Becker", address("310 Congress Ave Apt 804", "Austin", "TX", "78701"), phone=HANNAH),
    CustomerSpec(
        "Jordan Rivera", address("2400 E Camelback Rd", "Phoenix", "AZ", "85016"), email=JORDAN, phone="+16025550166"
    ),
    CustomerSpec("Emily Chen", address("29 Elm St", "Montclair", "NJ", "07042"), email=EMILY),
    CustomerSpec(
        "Omar Haddad", address("22000 Michigan Ave", "Dearborn", "MI", "48124"), email=OMAR, phone="+13135550191"
    ),
    CustomerSpec("Grace O'Neill", address("1600 Pearl St", "Denver", "CO", "80203"), phone=GRACE),
    CustomerSpec("Lucas Silva", address("501 Brickell Key Dr Apt 1107", "Miami", "FL", "33131"), email=LUCAS),
    CustomerSpec(
        "Mia Johnson", address("40 W 86th St Apt 5C", "New York", "NY", "10024"), email=MIA, phone="+19175550110"
    ),
)

TAX_RATES = {
    "NY": D("0.08875"),
    "CA": D("0.0725"),
    "WA": D("0.065"),
    "IL": D("0.0625"),
    "MA": D("0.0625"),
    "TX": D("0.0625"),
    "AZ": D("0.056"),
    "NJ": D("0.06625"),
    "MI": D("0.06"),
    "CO": D("0.029"),
    "FL": D("0.06"),
}

ORDERS = (
    # The three orders the demo script talks about.
    OrderSpec(
        number="ORD-1001",
        customer=ALEX,
        status="delivered",
        items=(("MC-GPU-RTX4090-TUF", 1),),
        placed_ago=days(12),
        carrier="UPS",
        tracking_number="1Z4F829A0312845901",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    OrderSpec(
        number="ORD-1002",
        customer=ALEX,
        status="shipped",
        items=(("MC-CPU-R9-7950X", 1),),
        placed_ago=days(3),
        shipping_cost=EXPEDITED,
        carrier="FedEx",
        tracking_number="394857216043",
        shipped_after=days(1),
    ),
    OrderSpec(
        number="ORD-1003",
        customer=ALEX,
        status="pending",
        items=(("MC-PSU-RM750E", 1),),
        placed_ago=hours(2),
    ),
    OrderSpec(
        number="ORD-1004",
        customer=PRIYA,
        status="delivered",
        items=(("MC-GPU-RTX4070S-WF", 1), ("MC-CASE-4000D-AF", 1)),
        placed_ago=days(25),
        carrier="UPS",
        tracking_number="1Z4F829A0398231177",
        shipped_after=days(1),
        delivered_after=days(4),
    ),
    OrderSpec(
        number="ORD-1005",
        customer=MARCUS,
        status="paid",
        items=(("MC-GPU-RTX4080S-GXS", 1), ("MC-PSU-RM850X", 1)),
        placed_ago=days(1),
    ),
    OrderSpec(  # delivered more than 30 days ago: outside the return window
        number="ORD-1006",
        customer=SOFIA,
        status="delivered",
        items=(("MC-CPU-R7-7800X3D", 1), ("MC-MB-B650-TOMAHAWK", 1), ("MC-RAM-CMK32GX5M2B6000C30", 1)),
        placed_ago=days(40),
        carrier="UPS",
        tracking_number="1Z4F829A0377120458",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    OrderSpec(
        number="ORD-1007",
        customer=DANIEL,
        status="cancelled",
        items=(("MC-CPU-I9-14900K", 1),),
        placed_ago=days(9),
    ),
    OrderSpec(
        number="ORD-1008",
        customer=HANNAH,
        status="shipped",
        items=(("MC-SSD-990PRO-2TB", 2),),
        placed_ago=days(2),
        carrier="USPS",
        tracking_number="9400111899223344556677",
        shipped_after=days(1),
    ),
    OrderSpec(  # back in the warehouse, refund waiting for inspection
        number="ORD-1009",
        customer=JORDAN,
        status="returned",
        items=(("MC-GPU-RX7900XT-MERC", 1),),
        placed_ago=days(30),
        carrier="UPS",
        tracking_number="1Z4F829A0355610293",
        shipped_after=days(1),
        delivered_after=days(4),
        return_carrier="UPS",
        return_tracking_number="1Z4F829A9010022871",
    ),
    OrderSpec(  # returned and refunded; above $500, so a reviewer approved it
        number="ORD-1010",
        customer=EMILY,
        status="refunded",
        items=(("MC-CPU-I7-14700K", 1), ("MC-MB-Z790-TUF", 1)),
        placed_ago=days(28),
        carrier="UPS",
        tracking_number="1Z4F829A0340981126",
        shipped_after=days(1),
        delivered_after=days(3),
        return_carrier="UPS",
        return_tracking_number="1Z4F829A9010038745",
        refund=RefundSpec(
            reason="Returned unopened within 30 days: changed build plans.",
            requested_by="customer",
            processed_after=days(20),
            approved_by="reviewer",
        ),
    ),
    OrderSpec(  # the dead-on-arrival conversation below
        number="ORD-1011",
        customer=OMAR,
        status="delivered",
        items=(("MC-GPU-RX7900XTX-PULSE", 1),),
        placed_ago=days(5),
        carrier="FedEx",
        tracking_number="394857338817",
        shipped_after=days(1),
        delivered_after=days(2),
    ),
    OrderSpec(
        number="ORD-1012",
        customer=GRACE,
        status="pending",
        items=(("MC-GPU-ARCA750-CL", 1), ("MC-PSU-EVGA-600BR", 1)),
        placed_ago=hours(5),
    ),
    OrderSpec(
        number="ORD-1013",
        customer=LUCAS,
        status="paid",
        items=(("MC-CASE-O11D-EVO", 1), ("MC-PSU-PRIME-TX1000", 1)),
        placed_ago=hours(20),
    ),
    OrderSpec(
        number="ORD-1014",
        customer=MIA,
        status="delivered",
        items=(("MC-RAM-F5-6400J3239G32GX2", 1),),
        placed_ago=days(15),
        carrier="USPS",
        tracking_number="9400111899223344901234",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    OrderSpec(
        number="ORD-1015",
        customer=PRIYA,
        status="shipped",
        items=(("MC-SSD-P3PLUS-4TB", 1),),
        placed_ago=days(2),
        carrier="UPS",
        tracking_number="1Z4F829A0366402518",
        shipped_after=days(1),
    ),
    OrderSpec(  # cancelled after payment, before it shipped: refunded in full
        number="ORD-1016",
        customer=SOFIA,
        status="refunded",
        items=(("MC-CASE-FD-NORTH", 1),),
        placed_ago=days(8),
        refund=RefundSpec(
            reason="Cancelled by the customer before shipping.", requested_by="customer", processed_after=days(1)
        ),
    ),
    OrderSpec(  # a whole budget build, with the bundle discount
        number="ORD-1017",
        customer=DANIEL,
        status="delivered",
        items=(
            ("MC-GPU-RTX4060-DUAL", 1),
            ("MC-CPU-R5-7600X", 1),
            ("MC-MB-B650M-AORUS", 1),
            ("MC-RAM-KF556C40BBK2-32", 1),
            ("MC-SSD-SN850X-1TB", 1),
            ("MC-CASE-NZXT-H5-FLOW", 1),
            ("MC-PSU-RM750E", 1),
        ),
        placed_ago=days(45),
        discount=D("50.00"),
        carrier="UPS",
        tracking_number="1Z4F829A0301187364",
        shipped_after=days(1),
        delivered_after=days(4),
    ),
    OrderSpec(
        number="ORD-1018",
        customer=MARCUS,
        status="cancelled",
        items=(("MC-GPU-RTX4090-TUF", 1),),
        placed_ago=days(18),
    ),
    OrderSpec(
        number="ORD-1019",
        customer=JORDAN,
        status="delivered",
        items=(("MC-HDD-BARRACUDA-4TB", 2),),
        placed_ago=days(60),
        carrier="FedEx",
        tracking_number="394856001274",
        shipped_after=days(1),
        delivered_after=days(4),
    ),
    OrderSpec(
        number="ORD-1020",
        customer=EMILY,
        status="paid",
        items=(("MC-RAM-CMK16GX4M2E3200C16", 1),),
        placed_ago=hours(6),
        shipping_cost=STANDARD,
    ),
    OrderSpec(
        number="ORD-1021",
        customer=OMAR,
        status="shipped",
        items=(("MC-CASE-CM-NR200P", 1), ("MC-MB-B550-ITX", 1)),
        placed_ago=days(4),
        carrier="UPS",
        tracking_number="1Z4F829A0388715530",
        shipped_after=days(2),
    ),
    OrderSpec(
        number="ORD-1022",
        customer=HANNAH,
        status="returned",
        items=(("MC-SSD-870EVO-1TB", 1),),
        placed_ago=days(26),
        shipping_cost=STANDARD,
        carrier="USPS",
        tracking_number="9400111899223345012876",
        shipped_after=days(1),
        delivered_after=days(3),
        return_carrier="USPS",
        return_tracking_number="9202390199223345099012",
    ),
    OrderSpec(
        number="ORD-1023",
        customer=LUCAS,
        status="pending",
        items=(("MC-GPU-RTX4080S-GXS", 1), ("MC-PSU-GF3-1200", 1)),
        placed_ago=hours(1),
        shipping_cost=OVERNIGHT,
    ),
    OrderSpec(
        number="ORD-1024",
        customer=MIA,
        status="delivered",
        items=(("MC-CPU-R7-5800X3D", 1), ("MC-RAM-F4-3600C16D-32GVKC", 1)),
        placed_ago=days(10),
        discount=D("20.00"),
        carrier="FedEx",
        tracking_number="394857290156",
        shipped_after=days(1),
        delivered_after=days(2),
    ),
    OrderSpec(
        number="ORD-1025",
        customer=GRACE,
        status="paid",
        items=(("MC-CPU-I5-14600K", 1), ("MC-MB-B760M-PRO-D4", 1)),
        placed_ago=days(1),
    ),
    OrderSpec(
        number="ORD-1026",
        customer=ALEX,
        status="delivered",
        items=(("MC-SSD-990PRO-2TB", 1),),
        placed_ago=days(90),
        carrier="UPS",
        tracking_number="1Z4F829A0312007733",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    # Refunds the agent sent to the review queue (REVIEWS below)
    OrderSpec(
        number="ORD-1027",
        customer=JORDAN,
        status="delivered",
        items=(("MC-GPU-RTX4080S-GXS", 1),),
        placed_ago=days(10),
        carrier="UPS",
        tracking_number="1Z4F829A0377810455",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    OrderSpec(
        number="ORD-1028",
        customer=JORDAN,
        status="delivered",
        items=(("MC-GPU-RTX4090-TUF", 1),),
        placed_ago=days(16),
        carrier="UPS",
        tracking_number="1Z4F829A0377810462",
        shipped_after=days(1),
        delivered_after=days(3),
    ),
    OrderSpec(
        number="ORD-1029",
        customer=JORDAN,
        status="delivered",
        items=(("MC-GPU-RX7900XTX-PULSE", 1),),
        placed_ago=days(14),
        carrier="FedEx",
        tracking_number="394856001299",
        shipped_after=days(1),
        delivered_after=days(4),
    ),
)

# --------------------------------------------------------------------------- support set-up

ESCALATION_POLICIES = (
    EscalationPolicySpec(
        "Refunds, high priority",
        category="refund",
        priority="high",
        review_minutes=60,
        queue="billing",
        first_response_minutes=15,
        next_response_minutes=60,
        resolution_minutes=480,
        business_hours=True,
    ),
    EscalationPolicySpec(
        "Refunds",
        category="refund",
        review_minutes=240,
        queue="billing",
        first_response_minutes=30,
        resolution_minutes=960,
        business_hours=True,
    ),
    EscalationPolicySpec(
        "Urgent, any topic",
        priority="urgent",
        review_minutes=30,
        queue="urgent",
        first_response_minutes=5,
        next_response_minutes=15,
        resolution_minutes=240,
    ),
    EscalationPolicySpec(
        "VIP customers",
        customer_tag="vip",
        review_minutes=60,
        queue="default",
        first_response_minutes=10,
        next_response_minutes=30,
        resolution_minutes=480,
    ),
    EscalationPolicySpec(
        "High priority, any topic",
        priority="high",
        review_minutes=120,
        queue="default",
        first_response_minutes=15,
        next_response_minutes=60,
        resolution_minutes=960,
        business_hours=True,
    ),
    EscalationPolicySpec(
        "Everything else",
        review_minutes=480,
        queue="default",
        first_response_minutes=60,
        next_response_minutes=240,
        resolution_minutes=2880,
        business_hours=True,
    ),
)

_HOUSE_RULES = """\
You work for Macro Center, an online store for PC parts. Be friendly, brief and exact.
Never invent order details, prices, stock or policy: look them up with your tools or the knowledge base.
Before you share order details, make sure the shopper owns the order (the order's email or phone matches).
If the shopper asks for a person, is upset after two tries, or the question is outside your tools, escalate."""

AGENT_PROFILES = (
    AgentProfileSpec(
        name="Supervisor",
        role="supervisor",
        description="Reads the conversation and hands it to the right specialist.",
        instructions=_HOUSE_RULES
        + """

Route each conversation to one specialist:
- Orders and returns: order status, tracking, cancellations, returns, refunds.
- Product advice: what to buy, compatibility before purchase, stock and prices.
- Technical troubleshooting: a part that does not work, dead on arrival, crashes, no display.
- General questions: payment, accounts, shipping options, price match, anything else.
Answer simple greetings yourself. Escalate to a human when no specialist fits.""",
        allowed_tools=("search_knowledge_base", "lookup_order", "escalate_to_human"),
    ),
    AgentProfileSpec(
        name="Orders and returns",
        role="specialist",
        description="Order status, tracking, cancellations, returns and refunds.",
        instructions=_HOUSE_RULES
        + """

- Give the status, carrier and tracking number exactly as the order shows them.
- Only pending or paid orders can be cancelled; for shipped orders, explain the return process instead.
- Returns are accepted within 30 days of delivery. Create a return label only for eligible orders.
- Refunds above $500 wait for a human reviewer: say so plainly and do not promise a date.
- Confirm the order number and the amount with the shopper before you cancel or refund anything.""",
        allowed_tools=(
            "lookup_order",
            "list_orders",
            "cancel_order",
            "process_refund",
            "create_return_label",
            "search_knowledge_base",
            "escalate_to_human",
            "send_followup",
        ),
    ),
    AgentProfileSpec(
        name="Product advice",
        role="specialist",
        description="Recommendations, compatibility checks, stock and prices before a purchase.",
        instructions=_HOUSE_RULES
        + """

- Check compatibility from product attributes: CPU socket matches the motherboard socket, memory type
  matches the motherboard, GPU length fits the case, PSU wattage meets the GPU's recommended wattage.
- Say which warehouse has stock and when an item is low or sold out; never promise restock dates.
- Recommend at most three products, each with one sentence on why it fits.
- Save the shopper's stated budget and use case with save_customer_info.""",
        allowed_tools=(
            "recommend_products",
            "check_inventory",
            "search_knowledge_base",
            "save_customer_info",
            "escalate_to_human",
        ),
    ),
    AgentProfileSpec(
        name="Technical troubleshooting",
        role="specialist",
        description="Parts that fail, no display, crashes, dead on arrival.",
        instructions=_HOUSE_RULES
        + """

- Walk through the knowledge-base checklist one or two steps at a time; ask what the shopper saw.
- For a graphics card with no display: separate PCIe power cables, the connector fully seated,
  the monitor plugged into the card, another slot or PC if available.
- If the part is still dead and was delivered within 30 days, it is dead on arrival: create a return label
  and escalate to a human for the replacement. Never ask the shopper to open a sealed warranty sticker.
- Burning smells, smoke or sparks: tell the shopper to unplug the PC at once, then escalate as critical.""",
        allowed_tools=(
            "lookup_order",
            "search_knowledge_base",
            "create_return_label",
            "save_customer_info",
            "escalate_to_human",
            "send_followup",
        ),
    ),
    AgentProfileSpec(
        name="General questions",
        role="specialist",
        description="Payment methods, accounts, shipping options, price match and store policies.",
        instructions=_HOUSE_RULES
        + """

- Answer from the knowledge base and cite the article title.
- Never ask for full card numbers or passwords; password resets happen through the emailed link only.
- Price-match requests need a link to the competitor's listing; a human approves them.""",
        allowed_tools=(
            "search_knowledge_base",
            "lookup_order",
            "save_customer_info",
            "escalate_to_human",
            "send_followup",
        ),
    ),
)

WIDGET_KEYS = (
    WidgetKeySpec(
        name="Demo storefront",
        public_key="pk_demo_macrocenter",
        secret="demo-widget-secret-macrocenter-not-for-production",
        allowed_origins=("http://localhost:8000", "http://127.0.0.1:8000"),
    ),
)

CONVERSATIONS = (
    ConversationSpec(
        customer=ALEX,
        channel="web",
        subject="Where is my Ryzen 9 7950X?",
        status="resolved",
        handled_by="ai",
        messages=(
            MessageSpec("customer", "Hi! ORD-1002 says shipped but it's not here yet. Where is it?", hours(26)),
            MessageSpec(
                "ai",
                "Your AMD Ryzen 9 7950X (ORD-1002) shipped yesterday with FedEx 2Day, tracking number 394857216043. "
                "Expedited orders arrive 2 business days after they ship, so it should reach you tomorrow.",
                hours(25.99),
            ),
            MessageSpec("customer", "Perfect, thanks!", hours(25.9)),
        ),
    ),
    ConversationSpec(
        customer=OMAR,
        channel="email",
        subject="RX 7900 XTX: no display out of the box",
        status="open",
        handled_by="human",
        assignee="agent",
        messages=(
            MessageSpec(
                "customer",
                "Hello, the Sapphire RX 7900 XTX from order ORD-1011 arrived yesterday. The fans spin for a second "
                "and stop, and the monitor says no signal. My old card works in the same PC.",
                hours(20),
            ),
            MessageSpec(
                "ai",
                "Sorry about that, Omar. Please try these before anything else: connect the card with two separate "
                "8-pin PCIe cables (not one daisy-chained cable), plug the monitor into the card rather than the "
                "motherboard, and reseat the card in the top PCIe x16 slot. Let me know what happens.",
                hours(19.95),
            ),
            MessageSpec(
                "customer",
                "Tried all of that, two separate cables and another slot. Still nothing, and it smells a bit burnt.",
                hours(18),
            ),
            MessageSpec(
                "staff",
                "Thanks for checking, Omar. Please keep the card unplugged. This is a dead-on-arrival case: we are "
                "sending a prepaid FedEx return label today and will ship the replacement as soon as the carrier "
                "scans your package.",
                hours(2),
                sender_user="agent",
            ),
        ),
        ticket=TicketSpec(
            subject="Dead on arrival: Sapphire RX 7900 XTX (ORD-1011)",
            category="technical",
            priority="high",
            severity="high",
            status="open",
            order_number="ORD-1011",
            assignee="agent",
            sla_minutes=120,
        ),
    ),
    ConversationSpec(
        customer=MARCUS,
        channel="sms",
        subject="PSU for an RTX 4080 SUPER",
        status="resolved",
        handled_by="ai",
        messages=(
            MessageSpec("customer", "is 850w enough for a 4080 super + 7800x3d?", days(2)),
            MessageSpec(
                "ai",
                "Yes. The RTX 4080 SUPER draws about 320 W and needs an 850 W supply; the 7800X3D adds about 120 W. "
                "The Corsair RM850x (850 W, Gold, fully modular, native 12VHPWR cable) is in stock at $139.99.",
                days(2) - timedelta(minutes=1),
            ),
        ),
    ),
    ConversationSpec(
        customer=JORDAN,
        channel="web",
        subject="RTX 4080 SUPER: loud coil whine",
        status="open",
        handled_by="ai",
        messages=(
            MessageSpec(
                "customer",
                "My RTX 4080 SUPER from ORD-1027 has terrible coil whine. I'd like a full refund.",
                hours(0.5),
            ),
            MessageSpec(
                "ai",
                "I'm sorry about the noise. I will refund the full amount for order ORD-1027. Shall I "
                "go ahead? Please reply yes to confirm.",
                hours(0.49),
            ),
            MessageSpec("customer", "yes", hours(0.45)),
            MessageSpec(
                "ai",
                "A refund of the full amount for ORD-1027 needs a member of our team to approve it; "
                "they will review it, usually within one business day.",
                hours(0.44),
            ),
        ),
    ),
    ConversationSpec(
        customer=JORDAN,
        channel="email",
        subject="Refund for the RX 7900 XT I sent back",
        status="open",
        handled_by="ai",
        messages=(
            MessageSpec(
                "customer",
                "Hi, you should have my RX 7900 XT (ORD-1009) back by now. When do I get my money?",
                hours(3.2),
            ),
            MessageSpec(
                "ai",
                "Thanks, Jordan: the card is back in our warehouse. A refund of the full amount for "
                "ORD-1009 needs a member of our team to approve it; they will review it, usually "
                "within one business day.",
                hours(3.1),
            ),
        ),
    ),
    ConversationSpec(
        customer=JORDAN,
        channel="web",
        subject="RTX 4090: scratched backplate",
        status="open",
        handled_by="ai",
        messages=(
            MessageSpec(
                "customer",
                "The RTX 4090 (ORD-1028) works but the backplate is badly scratched. Can I get money back?",
                days(2.05),
            ),
            MessageSpec(
                "ai",
                "A refund for ORD-1028 needs a member of our team to approve it; they will review it, "
                "usually within one business day.",
                days(2.04),
            ),
        ),
    ),
    ConversationSpec(
        customer=JORDAN,
        channel="web",
        subject="RX 7900 XTX: changed my mind",
        status="open",
        handled_by="ai",
        messages=(
            MessageSpec(
                "customer", "I found the RX 7900 XTX (ORD-1029) cheaper elsewhere, refund it please.", days(1.2)
            ),
            MessageSpec(
                "ai",
                "A refund for ORD-1029 needs a member of our team to approve it; they will review it, "
                "usually within one business day.",
                days(1.19),
            ),
        ),
    ),
)

# The review queue on a first `make run`: one past its SLA clock, one due soon, two decided.
REVIEWS = (
    ReviewSpec(
        "ORD-1009",
        None,
        "Returned, back in the warehouse.",
        hours(3.1),
        conversation="Refund for the RX 7900 XT I sent back",
    ),
    ReviewSpec("ORD-1027", None, "Loud coil whine.", hours(0.44), conversation="RTX 4080 SUPER: loud coil whine"),
    ReviewSpec(
        "ORD-1028",
        None,
        "Scratched backplate; the card works.",
        days(2.04),
        conversation="RTX 4090: scratched backplate",
        decision="approve",
        edited_amount=D("300.00"),
        decided_after=hours(0.6),
        note="Cosmetic only: a partial refund, as for open-box.",
    ),
    ReviewSpec(
        "ORD-1029",
        None,
        "Found it cheaper elsewhere.",
        days(1.19),
        conversation="RX 7900 XTX: changed my mind",
        decision="reject",
        reject_reason="policy",
        decided_after=hours(2.5),
        note="A price difference is not a reason for a refund; offer the price-match policy.",
    ),
)

MACROCENTER = TenantDemo(
    slug="macrocenter",
    name="Macro Center",
    tier="professional",
    memberships=(("owner", "owner"), ("agent", "agent"), ("reviewer", "reviewer")),
    products=PRODUCTS,
    customers=CUSTOMERS,
    orders=ORDERS,
    refund_review_threshold=D("500.00"),
    return_window_days=30,
    tax_rates=TAX_RATES,
    article_owner="owner",
    escalation_policies=ESCALATION_POLICIES,
    calendar=CalendarSpec(
        "Support hours",
        "America/Los_Angeles",
        periods=(*((day, "08:00", "18:00") for day in range(5)), (5, "10:00", "16:00")),
        holidays=(("2026-12-25", "Christmas Day"), ("2027-01-01", "New Year's Day")),
    ),
    agent_profiles=AGENT_PROFILES,
    widget_keys=WIDGET_KEYS,
    conversations=CONVERSATIONS,
    queues=(
        QueueSpec("billing", members=(("reviewer", 10),), owners=("owner",)),
        QueueSpec("urgent", members=(("reviewer", 5), ("agent", 5)), owners=("owner",)),
        QueueSpec("default", members=(("agent", 10),), owners=("owner",), strategy="round_robin"),
    ),
    canned_replies=(
        (
            "Where is my order",
            "Hi {customer_first_name}, your order {order_number} is {order_status}. "
            "It travels with {carrier}, tracking number {tracking_number}. {agent_name}, {store_name}",
        ),
        (
            "Photo of the damage",
            "Sorry it arrived damaged, {customer_first_name}! Could you send a photo of the "
            "item and the box? We'll sort out a replacement or a refund right away.",
        ),
        ("Closing", "Glad I could help, {customer_first_name}. If anything else comes up, just reply here."),
    ),
    reviews=REVIEWS,
)
