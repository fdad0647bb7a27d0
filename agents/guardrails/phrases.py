"""The words that claim an action, in English: what ``claims`` looks for. Matched on the normal
form of a sentence (no accents, one kind of apostrophe and hyphen), case-insensitively.

Each kind of action has its phrasings in any tense and voice: "I've refunded", "I reversed the
charge", "the money is back on your card", "your refund is all set", "I took care of the
refund", "I voided ORD-1003", "it's been called off", "your return label: UPS 1Z...", "I've let
the team know", "marked as delivered"; and what says one is under way or implied ("your refund
is processing", "the order won't go out", "you're in the queue"). Beside them: the words that
make a sentence a negation, a condition or an offer instead, and the idioms that only look like
one ("no worries", "after all", "of course")."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    tool: str  # the tool whose success grounds it
    strong: re.Pattern  # done, whatever the rest of the sentence says
    promise: re.Pattern | None = None  # the result promised ("you'll get..."): a claim unless conditional
    state: str = ""  # the order status a read tool may show instead
    # Said in negative words ("the order won't go out", "it's no longer active"): the negation in
    # its own words is the claim; one before them ("I can't promise it won't ship") still undoes it.
    negative: re.Pattern | None = None


@dataclass(frozen=True)
class Language:
    claims: tuple[Claim, ...]
    negation: re.Pattern  # in the claim's clause, before or in its words
    condition: re.Pattern  # in the claim's clause before its words
    leading: re.Pattern  # a sentence that opens on a condition
    offer: re.Pattern  # a question that offers or asks ("shall I...?"): claims nothing
    idioms: re.Pattern  # look like a negation or condition, are neither


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


DONE = r"(?<!to be )(?<!can be )(?<!could be )(?<!may be )(?<!might be )(?<!should be )(?<!must be )(?<!will be )"
GAP = r"(?:[^.?!]|\.(?=\d))"  # within a sentence; a price's decimal point is no end
ME = (
    r"\b(i|we)(\s*'?ve|\s*'d|\s+have|\s+had)?\s+(just\s+|already\s+|now\s+|also\s+|successfully\s+|quickly\s+"
    r"|gone\s+ahead\s+and\s+|went\s+ahead\s+and\s+)*"
)
PERSON = (
    r"(colleague|team ?mate|team member|member of (our|the) (support )?team|(support|our|the|a) team|person|human"
    r"|specialist|agent|someone|somebody|supervisor|manager|reviewer|representative|rep|staff|people|team)"
)
FOLLOW_UP = (
    r"(take over|take it from here|take (it|this) over|pick (it|this) up|be with you|join you|reply|respond|get back"
    r"|contact|be in touch|reach out|review|look into|follow up|help|call)"
)
SUM = r"(\$\s?\d[\d,.]*|\d[\d,.]*\s?(usd|eur|gbp|dollars?))"
MONEY = rf"(refunds?|reimbursements?|money|funds|credit|{SUM})"  # what "is processed" or "is back" says was paid back
PAID = rf"(refund|reimbursement|money|funds|credit|payment|charge|transaction|amount|fee|{SUM})"  # I reversed...
BE_DONE = r"(is|are|'s|has been|have been|'s been|was|were|got|is now|are now|went|has gone|have gone)"
ORDER = r"(order|it|ord-?\s?\d+|#\d+|purchase|shipment|delivery|that|this)"
ORDER_NOUN = r"(order|purchase|ord-?\s?\d+|#\d+)"  # an order by name: "it", "this" may be anything

REFUND = Claim(
    "process_refund",
    _re(
        # "cancelled orders are refunded" is policy
        DONE + r"(?<!are )(?<!get )(?<!be )\b(refunded|reimbursed|credited)\b"
        rf"|{ME}(issued|processed|sent|initiated|approved|completed|submitted|put through|pushed through|credited"
        r"|returned|reversed|voided|released|refunded|paid back|paid out|arranged|authori[sz]ed|granted|triggered"
        r"|kicked off|started|actioned|executed|booked|set up|sorted( out)?|handled|dealt with|took care of"
        r"|taken care of|finali[sz]ed|finished|wired|transferred)\b"
        rf".{{0,30}}(?<!\w){PAID}"
        rf"|\b(charge|payment|transaction)\b{GAP}{{0,30}}?{DONE}\b(reversed|voided|refunded|returned|credited|dropped"
        r"|removed|waived|undone|wiped|taken off)\b"
        rf"|(?<!\w){MONEY}(?!\w){GAP}{{0,40}}?"
        + DONE
        + r"\b(issued|processed|approved|completed|sent|initiated|submitted|done|complete|succeeded|successful"
        r"|finali[sz]ed|went through|gone through|is through|on (its|the) way|being processed|credited|released"
        r"|reversed|voided|all set|sorted|taken care of|handled|settled|squared away|good to go|in motion"
        r"|under ?way|arranged|actioned|executed|granted|authori[sz]ed|paid out|sent out|returned to you|returned"
        r"|put through|pushed through|gone out|went out)\b"
        rf"|(?<!\w){MONEY}(?!\w){GAP}{{0,30}}?\b{BE_DONE}\s+(now\s+|already\s+|safely\s+)?(put\s+|sent\s+|paid\s+|gone\s+)?"
        r"back\b"
        rf"|(?<!\w){MONEY}(?!\w){GAP}{{0,30}}?\b(is|are|'s)\s+(now\s+)?(coming|heading|going|flowing)\s+back\b"
        rf"|{ME}(put|sent|paid|given|moved)\b.{{0,15}}(?<!\w){PAID}(?!\w).{{0,25}}\bback\b"
        rf"|(?<!\w){MONEY}(?!\w){GAP}{{0,30}}?\b(hit|landed|reached|arrived|went|showed up|is|'s|are)"
        r"(\s+(in|on|into))?\s+(your|the)\s+(account|card|bank|balance|wallet)\b"
        r"|\brefunds?\s*[:=\u2013\u2014-]\s*(done|complete|completed|processed|sent|issued|approved|\u2705|\u2714|\u2611)"
        rf"|(?<!\w){MONEY}(?!\w)\s*('s|\s+is|\s+has|\s+have)?\s*(now\s+|already\s+)?(cleared|posted|through)\b"
        r"|\byou('re|\s+are|\s+have been|'ve been)\s+(now\s+|fully\s+|already\s+)?(refunded|reimbursed|credited)\b"
        r"|\byou('ve|\s+have)?\s+(now\s+|already\s+)?(got|gotten|received)\s+(your\s+|the\s+|a\s+)?(money|refund|funds"
        r"|reimbursement)\b(\s+back\b)?"
        r"|^\W*approved\b|\bapproved\s*!"
        # "I'm processing your refund now"
        r"|\b(i'?m|we'?re|i am|we are)\s+(now\s+|already\s+)?(processing|issuing|refunding|reversing|sending)\b"
        rf".{{0,30}}(?<!\w){PAID}"
        # A review's yes told as news: "our team has approved your refund", "your request for
        # ORD-1001 has been approved", "it got the green light", "approval granted"
        rf"|\b{PERSON}\s+(has\s+|have\s+|had\s+)?(now\s+|already\s+|just\s+)?(approved|accepted|okayed|ok'?d"
        r"|green-?lit|signed off( on)?|authori[sz]ed|cleared)\b"
        rf"|\b(request|refund|claim|it|that|this)\b{GAP}{{0,30}}?{DONE}\b{BE_DONE}\s+(now\s+|already\s+|officially\s+)?"
        r"(approved|accepted|green-?lit|signed off|okayed)\b"
        r"|\b(got|has|have|received)\s+(the\s+)?green light\b|\bpassed\s+(the\s+|its\s+)?review\b"
        r"|\bapproval\s*(granted|given|received|confirmed)\b"
        # A refund under way is one started: "your refund is confirmed", "is processing", "is in
        # progress", "has been requested" ("pending review" is what a review's result says)
        rf"|\b(refunds?|reimbursements?)\b{GAP}{{0,40}}?{DONE}\b{BE_DONE}\s+(now\s+|already\s+|currently\s+"
        r"|officially\s+|successfully\s+)?(confirmed|processing|in progress|in process|queued|scheduled|lined up"
        r"|in the works|in the pipeline|on track|requested|filed|logged|lodged|raised|opened|placed|created|booked"
        r"|registered|being (issued|handled|sent|prepared|arranged|released|paid)"
        r"|pending(?!\s+(approval|review|confirmation|verification|a|an|the|your|our)\b))\b"
        # "a refund of $50 has been applied to your card"
        rf"|(?<!\w){MONEY}(?!\w){GAP}{{0,40}}?{DONE}\b{BE_DONE}\s+(now\s+|already\s+)?(applied|added|posted|put|loaded"
        r"|issued|sent|credited|returned|paid)\s+(back\s+)?(to|on|onto|into)\s+(your|the)\s+(original\s+)?"
        r"(credit\s+|debit\s+|bank\s+)?(card|account|balance|wallet|payment method|statement|paypal)\b"
        # "I've requested a refund for you", "we've filed a reimbursement claim"
        rf"|{ME}(requested|applied for|filed|lodged|put in|placed|raised|logged|opened|created|claimed|asked for|made"
        r"|submitted|sent off|registered)\s+(a|an|the|your)\s+([\w-]+\s+){0,2}?(refund|reimbursement|chargeback)s?\b"
    ),
    _re(
        r"\byou('ll|\s+will|\s+should)\s+(see|get|receive|have)\b.{0,40}\b(money|refund|funds|credit|reimbursement)"
        rf"|\byou('ll|\s+will|\s+should)\s+(see|get|receive|have)\s+(the\s+|your\s+)?{SUM}"
        r"|\b(money|refund|funds|credit|reimbursement)\b.{0,30}\b(will|should)\s+(arrive|appear|show up|land|reach"
        r"|be back|post|hit)"
        r"|\byou('ll|\s+will|\s+should|'re going to|\s+are going to|'re getting|\s+are getting)\s+(be\s+|get\s+)?"
        r"(fully\s+|partially\s+)?(refunded|reimbursed|credited|paid back)\b"
    ),
    state="refunded",
)
CANCEL = Claim(
    "cancel_order",
    _re(
        DONE + r"(?<!be )\bcancell?ed\b(?!\s+orders?\b)"
        rf"|\bcancell?ation\b{GAP}{{0,30}}?\b(went through|gone through|complete|completed|processed|confirmed"
        r"|done|successful|succeeded|is in|has been|all set|sorted|taken care of)\b"
        rf"|{ME}(voided|called off|stopped|halted|scrapped|annulled|terminated|killed|pulled|withdrawn|withdrew"
        r"|cancell?ed)\b"
        rf"|{ME}(closed|deleted|removed|dropped|erased)\s+(your\s+|the\s+|that\s+|this\s+)?{ORDER}\b"
        rf"|\b{ORDER}\b{GAP}{{0,25}}?\b{BE_DONE}\s+(now\s+|already\s+|officially\s+)?(void|voided|called off"
        r"|scrapped|annulled|terminated|killed|null and void)\b"
        # "it's been stopped"; "it was stopped at customs" is news of the parcel
        rf"|\b{ORDER}\b{GAP}{{0,25}}?\b(has been|have been|'s been|had been|is now|got)\s+(stopped|halted|pulled)\b"
        r"|\b(it|order|ord-?\s?\d+|#\d+)\s*(is|'s|was)\s+(now\s+)?void\b(?!\s+if\b)"
        rf"|\b(consider|treat)\s+(the|your|this|that|it)\s*({ORDER}\s+)?(as\s+)?(voided|void|cancell?ed)\b"
        r"|\bcancell?ations?\s*[:=\u2013\u2014-]\s*(confirmed|done|complete|completed|processed)\b"
        r"|(^\W*|\b(i'?m|we'?re|i am|we are)\s+(now\s+)?)cancell?ing\s+(your|the|this|that)\s+(order|purchase)\b"
        rf"|{ME}(put|placed)\s+a\s+stop\s+(on|to)\s+(your|the|this|that)\s+(order|purchase|shipment)\b"
        rf"|{ME}(submitted|processed|completed|confirmed|put through|pushed through|sent|filed|finali[sz]ed|actioned"
        r"|done|made|placed|requested|arranged)\s+(your\s+|the\s+|a\s+|that\s+)?cancell?ation\b"
        # "your order is closed", "has been removed" ("the item was removed from our catalog" is
        # no order)
        rf"|\b{ORDER_NOUN}\b{GAP}{{0,25}}?{DONE}\b{BE_DONE}\s+(now\s+|already\s+|officially\s+)?(closed|removed"
        r"|deleted|withdrawn|dropped|erased|wiped|cleared|revoked|rescinded|undone|nullified|discontinued|shut down"
        r"|taken off|struck off)\b"
    ),
    state="cancelled",
    negative=_re(
        # "ORD-1001 won't be shipped", "the order won't go out" said as the end of it: a delay or a
        # reason is news ("won't ship until Monday", "won't ship because it's back-ordered")
        rf"\b({ORDER_NOUN}|it)\b{GAP}{{0,25}}?\b(won't|will not|isn't going to|is not going to|will never)\s+(be\s+)?"
        r"(ship|shipped|sent|dispatched|delivered|go out|going out|leave|charged|billed|fulfilled|processed"
        r"|go ahead|happen)\b"
        r"(?=\s*(now|anymore|any more|after all|at all|to you|either)?\s*([.!,;:]|$|\s+(and|or|so)\b))"
        # "your order is no longer active"
        rf"|\b{ORDER_NOUN}\b{GAP}{{0,25}}?\b(is|'s|was)\s+(now\s+)?no longer\s+(active|open|live|valid|going ahead"
        r"|happening|on|in (the|our) system|processing|being (processed|prepared|shipped|fulfilled)|on (its|the) way"
        r"|coming|pending|in progress|there)\b"
        rf"|\b{ORDER_NOUN}\b{GAP}{{0,25}}?\bno longer exists\b"
    ),
)
LABEL = Claim(
    "create_return_label",
    _re(
        DONE
        # "refunded and labelled!", "labelled and ready to go" ("ports are labelled on the board" is no label)
        + r"\blabell?ed(\s*[!.]*\s*$|\s+and\s+(ready|sent|done|on its way|good to go))"
        + rf"|{ME}(created|generated|made|sent|emailed|mailed|texted|shipped|dispatched|forwarded|attached|issued"
        r"|printed|prepared|uploaded|dropped|put|popped|added|delivered)\b.{0,30}\blabel"
        rf"|\b(return|shipping|prepaid|postage|your|the return)\s+(shipping\s+)?labels?\b{GAP}{{0,40}}?"
        + DONE
        + r"\b(is ready|ready|attached|created|generated|sent|emailed|mailed|shipped|on (its|the) way|in your inbox"
        r"|below|here|done|all set|sorted)\b"
        r"|\bhere(\s+is|'s|\s+are)\s+(your|the)\s+(prepaid\s+)?(return\s+)?(shipping\s+)?labels?\b"
        r"|\b(check|look in|see|open)\s+your\s+(email|e-mail|inbox|messages|texts)\b.{0,40}\blabels?\b"
        rf"|\blabels?\b{GAP}{{0,30}}?\b(went|was sent|is|was|has gone)\s+(out\s+)?(to|in|into)\s+your\s+"
        r"(email|e-mail|inbox)"
        r"|\blabels?\s*(number|no\.?|code|id)?\s*(is\s+)?[:=]\s*(\w+\s+)?(?=[a-z]*\d)[a-z0-9]{6,}"
        r"|\breturn\b.{0,20}\b(tracking|shipment)\s*(number|no\.?|code|id)?\s*(is\s+)?[:=]?\s*(?=[a-z]*\d)[a-z0-9]{8,}"
        rf"|{ME}(processed|arranged|set up|started|initiated|booked|scheduled|organi[sz]ed|opened|created|approved"
        r"|submitted|filed|requested|registered|logged|lodged|raised|placed|put in)\s+(a|the|your)\s+return\b"
        # "your return has been initiated" (the noun, not "return it once the label is created")
        r"|\b(your|the|a|this|that)\s+return(\s+(request|process|case|authori[sz]ation|rma))?(\s+(for|of|on)\s+"
        rf"[^.?!,]{{0,20}}?)?\s+{DONE}{BE_DONE}\s+(now\s+|already\s+|officially\s+|successfully\s+)?(initiated|started"
        r"|opened|created|registered|submitted|logged|filed|requested|scheduled|arranged|in progress|under ?way"
        r"|being processed)\b"
        rf"|\breturn\b{GAP}{{0,20}}?{DONE}\b{BE_DONE}\s+(now\s+|already\s+)?(approved|accepted|processed|all set|set up"
        r"|authori[sz]ed|confirmed|booked)\b"
        r"|^\W*labels?\s+(sent|created|emailed|attached|ready|generated)\b"
        r"|^\W*(sent|emailed|created|generated|made|attached)\s+(you\s+)?(the|your|a)\s+(prepaid\s+)?(return\s+)?"
        r"(shipping\s+)?label"
    ),
    _re(
        r"\byou('ll|\s+will|\s+should)\s+(receive|get|see|find)\b.{0,40}\blabels?\b"
        r"|\blabels?\b.{0,20}\b(will|'ll)\s+(arrive|be sent|come|land|be emailed|reach you)\b"
    ),
)
ESCALATE = Claim(
    "escalate_to_human",
    _re(
        rf"{ME}(escalated|passed|handed|transferred|forwarded|referred|flagged|sent|assigned|routed|moved)\b.{{0,40}}"
        rf"\b(to|over|on)\b.{{0,25}}\b{PERSON}"
        r"|\bescalated\b"
        rf"|{ME}(opened|created|raised|filed|logged|submitted)\s+(a|an)\s+(support\s+)?(ticket|case|request)"
        rf"|{ME}(let|told|informed|notified|alerted|pinged|messaged|contacted|emailed|asked|looped in|brought in"
        rf"|roped in|called in|got)\b.{{0,20}}\b{PERSON}"
        rf"|\b(they|he|she|{PERSON})(\s*'ve|\s*'s|\s+have|\s+has|\s+had)?\s+(now\s+|already\s+)?(taken over|picked"
        r" (it|this) up|stepped in|been (notified|informed|told|alerted|assigned|looped in)|joined|got (it|this))\b"
        # "a specialist has picked up your case"
        rf"|\b(they|he|she|{PERSON})(\s*'ve|\s*'s|\s+have|\s+has|\s+had)?\s+(now\s+|already\s+|just\s+)?(picked up"
        r"|taken (on|over)|accepted|claimed|grabbed|been assigned( to)?)\s+(your|the|this|that)\s+(case|ticket|request"
        r"|issue|query|question|conversation|chat|complaint|claim)\b"
        rf"|\b{PERSON}\b{GAP}{{0,15}}?\b(is|are)\s+(now\s+|already\s+)?(on it|on (the|your) case|taking over"
        r"|stepping in"
        r"|((looking into|reviewing|handling|working on)\s+(it|this|that|your|the (case|matter|issue|request|order"
        r"|refund|ticket|problem|question))))\b"
        rf"|\b{PERSON}\b{GAP}{{0,10}}?\b(has|have|'s)\s+(got\s+)?(your|the|this)\s+(case|ticket|request|conversation"
        r"|chat)\b"
        rf"|{ME}(handed|passed|turned)\s+(this|it|that|your (case|request|question|issue|ticket))\s+over\b"
        # "your ticket has been passed to our team", "your case has been handed over to a human agent"
        r"|\b(ticket|case|request|issue|question|conversation|chat)\b\s+(has been|have been|was|is|'s been)\s+(now\s+)?"
        rf"(passed|handed|sent|forwarded|transferred|referred|assigned|routed|moved)\s+(over\s+|on\s+)?to\b.{{0,25}}{PERSON}"
        rf"|{ME}(raised|flagged|reported|logged)\b.{{0,30}}\b(with|for|to)\b.{{0,25}}\b{PERSON}"
        r"|\byour\s+(case|request|ticket|issue|question)\s+is\s+(now\s+)?(with|in the hands of)\s+(a|an|our|the)\s+"
        rf"(\w+\s+)?{PERSON}\b"
        rf"|\byou('re|\s+are)\s+(now\s+)?(with|talking to|speaking (to|with)|chatting with|connected (to|with)|in touch"
        rf" with)\s+(a|an|our|the)\s+(\w+\s+)?{PERSON}\b"
        r"|\byou('re| are)\s+now\s+(talking|speaking|connected|chatting)\b"
        # "you're now in the queue for a human agent", "I've added you to the waiting list"
        r"|\byou('re|\s+are|'ve been|\s+have been)\s+(now\s+|already\s+|currently\s+)?((added|put|placed|moved)\s+"
        r"(to|in|on|into)\s+|in\s+|on\s+)((the|our|a)\s+)?(queue|waiting list|wait ?list)\b"
        r"|\byou('re|\s+are)\s+(now\s+|currently\s+)?(next|number\s+\d+|#\s?\d+|no\.?\s*\d+)\s+in\s+(the\s+)?"
        r"(queue|line)\b"
        rf"|{ME}(added|put|placed|moved|queued)\s+you\b.{{0,20}}\b(queue|waiting list|wait ?list|line)\b"
        r"|\b(case|ticket|request|chat|conversation)\b\s+(is|'s|has been|was)\s+(now\s+)?(in|on|added to|put in"
        r"|placed in)\s+(the|our|a)\s+(\w+\s+)?queue\b"
        r"|\byou('ve|\s+have)\s+been\s+(now\s+)?(transferred|connected|passed|handed|escalated|referred)\b"
        r"|\b(ticket|case)\b\s+(has been|have been|was|is now|'s been)\s+(opened|created|raised|filed|logged)\b"
        r"|\b(i'?m|we'?re|i am|we are)\s+(now\s+)?(transferring|connecting|passing|handing|escalating|forwarding)"
        r"\s+(you|this|it|your)\b"
        rf"|\b{PERSON}\b{GAP}{{0,15}}?\b(is|are)\s+(now\s+|already\s+)?looking at\s+(it|this|your|the)\b"
    ),
    _re(
        rf"(\b(a|an|one of our|our|the)\s+(?!(fedex|ups|usps|dhl|carrier|courier|delivery|driver)\W)(\w+\s+)?{PERSON}"
        rf"|^\W*(someone|somebody))\s+(will|'ll|is going to|are going to)\s+{FOLLOW_UP}\b"
        r"(?!.{0,40}\b(monday|weekdays|weekends|\d{1,2}\s?(am|pm)|at the (counter|desk|store)|pickup))"
        # "a specialist has picked it up and will call you"
        rf"|(?<!fedex )(?<!ups )(?<!usps )(?<!dhl )(?<!carrier's )(?<!courier )(?<!delivery )\b{PERSON}\b{GAP}{{0,40}}?"
        r"\b(will|'ll|is going to|are going to)\s+(call|phone|ring|contact|email|text"
        r"|reach out to|get back to|be in touch with)\s+you\b"
    ),
)
STATUS = Claim(
    "update_order_status",
    _re(
        rf"{ME}(updated|changed|modified|edited|amended|corrected|set|switched|moved)\b{GAP}{{0,30}}"
        r"\b((your|the|this|that)\s+(order|status|address|details|shipping address|delivery address)|it)\b"
        rf"|{ME}marked\b{GAP}{{0,30}}\b(as|shipped|delivered|paid|returned|pending)\b"
        r"|(?<!orders )(?<!order )(?<!that are )(?<!which are )(?<!be )(?<!been )(?<!packages )(?<!parcels )(?<!items )"
        r"(?<!shipments )\bmarked\s+(as\s+)?(shipped|delivered"
        r"|paid|returned|pending|complete|completed|fulfilled)\b"
        rf"|\b(order|status|address)\b{GAP}{{0,30}}?\b(has been|have been|'s been|was|were|is now|now)\s+"
        r"(updated|changed|marked|set|modified|amended|corrected)\b"
        r"|\byour\s+(order|address|shipping address|delivery address|status|details)\s+(is|'s)\s+(now\s+)?"
        r"(updated|changed|corrected)\b(?!\s+(daily|every|each|when|as|once|automatically|within|in real time))"
        r"|^\W*(updated|changed|corrected)\s+(your|the)\s+(order|address|shipping address|delivery address|status"
        r"|details)\b"
        # "the tracking status has changed to out for delivery" is the carrier's news
        rf"|(?<!tracking )(?<!shipment )(?<!delivery )\bstatus\b{GAP}{{0,20}}?\b(is now|now reads|has changed to"
        r"|changed to)\s+(pending|paid|shipped|delivered|returned)\b"
        r"|\b(is|has been|was) now (marked )?(as )?(pending|paid|shipped|delivered|returned)\b"
    ),
)
# A change to an order no tool makes ("I've put your order on hold", "I've expedited it", "I've
# reshipped it"): grounded only by a status update, never by a read (no order is "on hold").
SHIPPING = Claim(
    "update_order_status",
    _re(
        rf"{ME}(put|placed|kept)\s+((your|the|this|that)\s+(order|purchase|shipment|delivery|package|parcel)|it"
        r"|ord-?\s?\d+|#\d+)\s+(on\s+hold|on\s+pause)\b"
        rf"|{ME}(paused|held|froze|frozen|expedited|rushed|prioriti[sz]ed|upgraded|fast-?tracked|reshipped|re-shipped"
        r"|resent|re-sent|rerouted|re-routed|redirected|delayed|postponed|rescheduled|reordered|re-ordered|replaced"
        r"|bumped up|sped up|moved up)\s+((your|this|that)\s+([\w-]+\s+)?(order|purchase|shipment|delivery"
        r"|package|parcel|shipping|item|items)|the\s+(order|purchase|shipment)|it|ord-?\s?\d+|#\d+)\b"
        rf"|{ME}(sent|shipped|dispatched|arranged|ordered|issued|mailed)\s+(you\s+)?(a|your|the)\s+(free\s+|new\s+)?"
        r"(replacement|reshipment)\b"
        rf"|\b{ORDER_NOUN}\b{GAP}{{0,25}}?{DONE}\b{BE_DONE}\s+(now\s+|already\s+)?(on hold|put on hold|placed on hold"
        r"|paused|expedited|rushed|prioriti[sz]ed|fast-?tracked|reshipped|re-shipped|resent|re-sent"
        r"|upgraded to (express|overnight|priority|next-day))\b"
        rf"|\breplacement\b{GAP}{{0,25}}?{DONE}\b(has been|have been|'s been|was|is now|is)\s+(now\s+|already\s+)?"
        r"(sent|shipped|dispatched|ordered|arranged|issued|mailed|on (its|the) way)\b"
    ),
    state="on hold",
)

# A rule about refunds in general that says when: "refunds are processed within 5 days of
# receiving the return". Not "your refund is processed", nor a rule with news or a sum in it.
RULE = _re(
    r"^\W*(all\s+|our\s+)?(refunds|reimbursements)\s+(are|get)\s+(usually\s+|typically\s+|normally\s+|generally\s+"
    r"|always\s+)?\w+\b.*(\b(within|in)\s+[\d-]+\s+(\w+\s+)?days?\s+(of|after|from|once)\b|\b(once|after|when"
    r"|as soon as)\b)"
)

# A refund promised as policy, not news: what usually happens once something else has ("you'll
# usually see it within 5 days after the return arrives"), what a refund will follow ("send it
# back within 30 days and you'll get a full refund"). A hostile model dresses claims in these
# words, so each is narrow, and ``NEWS`` or a sum in the clause makes it a claim again.
HABITUAL = _re(r"\b(usually|typically|normally|generally|always)\b.*\b(after|once|when|if|as soon as|within|unless)\b")
IMPERATIVE = _re(
    r"^\W*(just\s+)?(send|return|ship|mail|post|bring|drop)\s+(it|them|the|your|this|that|these|those)\b.{0,60}"
    r"\band\s+you('ll|\s+will)\b|\b(of|after|from)\s+((us|we|our team|the warehouse)\s+)?(approval|receipt|receiving"
    r"|getting|inspecting|inspection|arrival)\b"
)
NEWS = _re(
    r"\b(i|we)('ve|'d|\s+have|\s+had|\s+just|\s+already)\b|\b(i|we)\s+\w+ed\b|\b(has|have|had|'s|'ve)\s+"
    r"(been|gone|got)\b|\b(was|were|went|got)\b|\b(now|today|tonight|yesterday|already|just|this (morning"
    r"|afternoon|evening))\b|\b(complete|completed|done|finished|void|attached|below|here|through|on (its|the) way"
    r"|under ?way|all set|sorted|yours)\b"
)

ENGLISH = Language(
    claims=(REFUND, CANCEL, LABEL, ESCALATE, STATUS, SHIPPING),
    negation=_re(
        r"\b(not|never|no|nothing|cannot|unable|yet to|haven't|hasn't|wasn't|isn't|didn't|won't|can't|couldn't)\b"
        r"|n't\b"
    ),
    # "pending approval", not "your pending order"
    condition=_re(
        r"\b(if|once|when|whenever|after|before|as soon as|until|unless|would|could|might|may)\b"
        r"|\bpending\s+(approval|review|confirmation|verification|the|a|your)\b"
    ),
    leading=_re(r"^\W*(if|once|as soon as|when|whenever|unless|until)\b|^\W*pending\s+(approval|review|the|a|your)\b"),
    offer=_re(
        r"(?:^|[,;:\u2013\u2014]|\b(so|ok|okay|great|alright|sure|then|and|now|or)\b)\W*("
        r"(shall|should|can|could|may|might)\s+(i|we)\b|(would|do|did|will)\s+you\s+(like|want|prefer|need)\b"
        r"|want me to\b|how about (i|we|me)\b|is it ok(ay)? if\b|would it help if\b)"
    ),
    idioms=_re(
        r"\b(no (worries|worry|problem|problems|prob|doubt|question|sweat|fuss|stress|need to worry|wonder)"
        r"|not (to worry|a problem|an issue|only|to mention)|nothing to worry about|never fear|never mind"
        r"|(don't|do not) (you )?worry|after all( that| this)?|of course|once again|once more|as you may know"
        r"|would you believe( it)?|believe it or not|if anything|might as well|(can't|cannot|can not) wait"
        r"|(couldn't|could not) be happier|without (a )?doubt)\b"
    ),
)
