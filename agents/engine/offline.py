"""The offline agent: deterministic, grounded, and the last fallback when no LLM answers.

It reads the turn like a careful clerk: the tenant's intent (triage), the entities in the text
(order numbers, emails, amounts, products), the slot it asked for last time. It acts through
the same tools, with the same confirmations and checks, and replies from their results or a
knowledge-base passage. Unsure once, it asks; unsure twice, it hands off to a person.
"""

import re
from datetime import timedelta
from decimal import Decimal

from agents.confirmation import confirmation_question, is_explicit_yes
from agents.engine.context import Turn, history
from agents.engine.entities import Entities, bare_reference, extract
from agents.models import Intent
from agents.tools import ToolResult
from agents.triage import HANDOFF, URGENT
from orders import services as order_services
from orders.models import Product

ACTIONS = {"cancel_order": "cancel_order", "refund_request": "process_refund", "return_request": "create_return_label"}
ORDER_INTENTS = {"order_status", *ACTIONS}
OFFERS = {tool: intent for intent, tool in ACTIONS.items()}  # a tool's "suggest": the intent that runs it
IN_FLIGHT = ("pending", "paid", "shipped")  # orders a shopper may be waiting for
# The orders each action can apply to, as the order services decide (the question "which
# order?" lists these): the rules live there, once.
ELIGIBLE = {
    "cancel_order": order_services.CANCELLABLE,
    "refund_request": order_services.REFUNDABLE,
    "return_request": order_services.RETURNABLE,
}
HANDOFF_INTENTS = {"human_handoff"}
URGENT_INTENTS = {"billing_dispute"}
PRODUCT_INTENTS = {"stock_check", "product_recommendation"}
# When triage is unsure but the shopper names an order, the verb says what they want.
# An action is only ever proposed when the shopper said one of its words: the neighbours' vote
# alone ("the CPU is dead" near "picked the wrong CPU, cancel it") never starts a cancellation.
ORDER_VERBS = (
    ("refund_request", re.compile(r"\b(refund|money back|reimburs|repay)", re.IGNORECASE)),
    (
        "cancel_order",
        re.compile(r"\b(cancel|call (it )?off|don'?t (ship|send)|stop (the|my|this) order|changed my mind)", re.I),
    ),
    (
        "return_request",
        re.compile(r"\b(return|send (it|this|them) back|exchange|replace|swap|doa\b|dead on arrival)", re.I),
    ),
)
QUESTION = re.compile(r"\?|^(how|what|when|can|could|do|does|is|are|which|why)\b", re.IGNORECASE)
# "What orders do I have?", "show all my orders": a list, not the latest one's details.
ALL_ORDERS = re.compile(r"\borders\b|\ball (of )?my\b|\bwhat (have|did) i (order|buy|bought)", re.IGNORECASE)
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}
ORDINAL = re.compile(r"\bthe (first|1st|second|2nd|third|3rd|last)( one| option)?\b", re.I)
RECENT = re.compile(r"\b(most recent|latest|newest|recent one|last (order|purchase) I (made|placed))\b", re.I)
OLDEST = re.compile(r"\b(oldest|older one|earliest|first (order|purchase) I (made|placed))\b", re.I)
PART = re.compile(
    r"\b(half|part(ial(ly)?)?|some of|portion|just (the|for|one)|only (the|for|one))\b|\d\s*%|percent", re.I
)
CHEAPER = re.compile(
    r"\b(cheaper|less expensive|lower price|more affordable|budget (one|option)|something cheaper)\b", re.I
)
# "Where's my grinder?", "when will my RTX arrive?": a product the shopper is waiting for.
WHERE_IS_MINE = re.compile(
    r"\bwhere('?s| is| are)\s+(my|the)\b"
    r"|\bwhen (will|does|do|is|are|should)\s+(my|the)\b.*\b(arriv|come|ship|deliver|get here)"
    r"|\b(has|have|did)\s+my\b.*\b(ship|arriv|come|deliver)",
    re.IGNORECASE,
)
REFERS_TO_ORDER = re.compile(r"\b(it|that|this|the same)( one| order)?\b", re.IGNORECASE)
STOPWORDS = frozenset(
    (
        "the",
        "and",
        "you",
        "your",
        "for",
        "are",
        "was",
        "but",
        "not",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "should",
        "what",
        "when",
        "where",
        "which",
        "who",
        "how",
        "why",
        "this",
        "that",
        "with",
        "from",
        "they",
        "them",
        "there",
        "here",
        "just",
        "about",
        "any",
        "all",
        "get",
        "got",
        "out",
        "our",
        "its",
        "it's",
        "i'm",
    )
)
HOLD = re.compile(r"\b(wait|hold on|not (yet|now|sure)|later|let me (think|check)|one (sec|moment))\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]{3,}")
NO = re.compile(r"^(no|nope|nah|don'?t|do not|cancel that|never ?mind|stop|not now)\b", re.IGNORECASE)
GREETING_ONLY = re.compile(
    r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|thanks?( you)?|thank you|cheers)[\s!.,🙂]*(there)?[\s!.]*$",
    re.IGNORECASE,
)
GREETING_WORD = re.compile(r"\b(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|help|anyone)\b", re.I)
THANKS = re.compile(
    r"^((ok|okay|great|perfect|awesome|cool)[\s,!.]*)?(thanks|thank you|thx|ty|cheers)\b[\w\s,!.🙂]{0,25}$",
    re.IGNORECASE,
)
CLARIFY = (
    "Sorry, I'm not sure I understood. Is this about an order (its status, a cancellation, a return or a "
    "refund), a product (stock, prices, what fits), or something else?"
)
OFFER = (
    "I'm here to help: I can check orders, returns, refunds, stock and products, or pass you to a person. "
    "What do you need help with?"
)
HANDED_OFF = "I've passed this to our support team; a person will reply here as soon as they can."


def offline_reply(turn: Turn) -> str:
    context = turn.context
    last = turn.messages[-1].body.strip()
    if turn.confirmed is not None:
        return _said(turn, turn.confirmed)  # the engine did what the yes confirmed
    if context.pending_action:
        if NO.match(last):
            return "No problem, I won't do that. Is there anything else I can help you with?"
        if HOLD.search(last):
            turn.state["pending_action"] = context.pending_action  # still on offer
            return (
                f"Okay, I haven't done anything yet. {context.pending_action['summary']} "
                "Just reply yes whenever you'd like me to go ahead."
            )
        pending = context.pending_action
        found = extract(tenant=turn.tenant, text=last)
        named = found.order_numbers
        number = pending["arguments"].get("order_number")
        if pending["tool"] == "process_refund" and found.amount is not None and named in ([], [number]):
            # "Yes, only $5" to "I will refund 412.63 USD...": a new proposal, for that amount.
            arguments = {"order_number": number, "amount": str(found.amount), "reason": turn.text[:500]}
            return _said(turn, turn.recorder.tool(context, "process_refund", arguments))
        if bare_reference(last) and named == [number]:
            # "ORD-1011" after "I will create a return label for ORD-1011...": yes, that order.
            turn.state["pending_action"] = pending
            return confirmation_question(pending)
    if THANKS.match(last) and len(turn.messages) == 1:
        return "You're welcome! Is there anything else I can help you with?"
    if GREETING_ONLY.match(last) and len(turn.messages) == 1:
        return _greeting(turn)
    recalled = turn.state.pop("recalled", None)
    if recalled and (is_explicit_yes(last) or REFERS_TO_ORDER.search(last)):
        # "Yes, where is it now?" after "I see you asked about ORD-1001 by email earlier".
        entities = extract(tenant=turn.tenant, text=turn.text)
        if not (entities.order_numbers or entities.product):
            intent = next((i for i, verb in ORDER_VERBS if verb.search(turn.text)), "order_status")
            turn.state["awaiting"] = {"intent": intent, "order_number": recalled}
            return _order_flow(turn, intent, entities)
    offered = turn.state.pop("offered", None)
    if offered and is_explicit_yes(last) and not context.pending_action:
        # "Yes" to "I can make a return label": that, for that order (it still asks to confirm).
        turn.state["awaiting"] = {"intent": offered["intent"], "order_number": offered["order_number"]}
        return _order_flow(turn, offered["intent"], extract(tenant=turn.tenant, text=turn.text))
    if is_explicit_yes(last) and not context.pending_action and not turn.state.get("awaiting"):
        return "Okay! What would you like me to do next?"
    if NO.match(last) and len(last.split()) <= 3:
        turn.state.pop("awaiting", None)  # "never mind" to "which order?", or "no" to nothing at all
        return "No problem. Is there anything else I can help you with?"
    entities = extract(tenant=turn.tenant, text=turn.text)
    intent = _intent(turn, entities)
    if intent == "greeting" and GREETING_WORD.search(last) and not (entities.order_numbers or entities.product):
        turn.state["clarifications"] = 0
        return _greeting(turn)
    if intent in HANDOFF_INTENTS:
        if _vague_plea(turn):
            turn.state["handoff_offered"] = True  # asked again, they get a person
            return _greeting(turn) if GREETING_WORD.search(last) else OFFER
        return _escalate(turn, "The shopper asked to talk to a person.", priority="high")
    if intent in URGENT_INTENTS and _sure_or_urgent(turn):
        return _escalate(turn, f"Possible billing problem: {turn.text[:300]}", priority="urgent")
    if intent in ORDER_INTENTS:
        return _order_flow(turn, intent, entities)
    cheaper = bool(turn.state.get("product_sku") and CHEAPER.search(turn.text))
    if intent in PRODUCT_INTENTS or (intent == "compatibility" and entities.category) or cheaper:
        reply = _product_flow(turn, intent, entities)
        if reply:
            return reply
    return _knowledge(turn) or _clarify(turn)


def _sure_or_urgent(turn: Turn) -> bool:
    """An urgent handoff needs triage sure of the intent, or the words of fraud and double
    charges; a loose likeness ("la carte graphique est arrivée cassée") gets an answer first."""
    return turn.triage is not None and (not turn.triage.clarification_needed or bool(URGENT.search(turn.text)))


def _vague_plea(turn: Turn) -> bool:
    """ "I need help": like the handoff examples, but asks for no person in so many words. Offered
    help first, once; the words of the handoff rule, or a second plea, reach a person."""
    return (
        turn.triage is not None and turn.triage.confidence < 0.75 and not HANDOFF.search(turn.text)
        and not turn.state.get("handoff_offered")
    )  # fmt: skip


def _greeting(turn: Turn) -> str:
    earlier = _asked_elsewhere(turn)
    if earlier:
        number, channel = earlier
        turn.state["recalled"] = number  # "yes, where is it now?" means that order
        return f"Hi! I see you asked about {number} by {channel} earlier. Is this about that order, or something else?"
    return (
        f"Hi! I'm the {turn.tenant.name} assistant. I can help with orders, returns, refunds, stock and product "
        "questions. What can I do for you?"
    )


CHANNEL_WORDS = {"email": "email", "sms": "text message", "web": "chat"}


def _asked_elsewhere(turn: Turn) -> tuple[str, str] | None:
    """The order a verified shopper last wrote about on another channel in the past two weeks."""
    if not turn.context.verified:
        return None
    channel, since = turn.messages[-1].channel, turn.messages[-1].created_at - timedelta(days=14)
    for message in reversed(history(turn)):
        if message.direction != "inbound" or message.created_at < since:
            continue
        if message.channel == channel:
            return None  # they have written here since: that is the thread
        numbers = extract(tenant=turn.tenant, text=message.body).order_numbers
        if numbers:
            return numbers[0], CHANNEL_WORDS.get(message.channel, message.channel)
    return None


def _intent(turn: Turn, entities: Entities) -> str:
    awaiting = turn.state.get("awaiting") or {}
    picks = bool(awaiting.get("choices")) and bool(
        entities.status_word or entities.category or _place_in_list(turn.text) is not None
    )
    if picks and len(turn.text.split()) <= 6:
        return awaiting["intent"]  # "the most recent one", "the shipped one": an answer, not a request
    supplies_slot = (
        entities.order_numbers or entities.emails or entities.my_order or entities.product or picks
        or (awaiting.get("intent") == "refund_request" and entities.amount is not None)
    )  # fmt: skip
    triage = turn.triage
    verbs = [intent for intent, verb in ORDER_VERBS if verb.search(turn.text)]
    if awaiting and supplies_slot and not (verbs and awaiting["intent"] not in verbs):
        # (A new action in the shopper's own words, "my money back for ORD-1017", is a new request.)
        confident_elsewhere = (
            triage is not None and not triage.clarification_needed and triage.category != awaiting["intent"]
            and triage.confidence >= 0.75 and triage.category not in ("order_status", "greeting")
        )  # fmt: skip
        if not confident_elsewhere:
            return awaiting["intent"]
    if not verbs and (entities.product or entities.category) and WHERE_IS_MINE.search(turn.text):
        return "order_status"  # "where's my grinder?": the order it is in, not grinding advice
    if triage is not None and not triage.clarification_needed:
        if triage.category in ORDER_INTENTS and len(verbs) == 1:
            return verbs[0]  # "a refund for ORD-1014": the word the shopper used beats the neighbours' vote
        if triage.category in ACTIONS and triage.category not in verbs:
            return "order_status"  # no word of that action: show the order, and let them ask
        return triage.category
    if entities.order_numbers or entities.my_order:
        if triage is not None and triage.category in verbs:
            return triage.category
        return verbs[0] if verbs else "order_status"
    if entities.product:
        return "stock_check"
    if triage is None or (triage.category in ACTIONS and triage.category not in verbs):
        return "unknown"  # unsure, and no word of an action: ask, never propose one
    return triage.category


def _said(turn: Turn, result: ToolResult) -> str:
    if result.status == "ok":
        turn.state["clarifications"] = 0
    return result.data.get("message") or "Done."


def _escalate(turn: Turn, reason: str, *, priority: str) -> str:
    order_number = turn.state.get("order_number") or None
    arguments = {"reason": reason[:500], "priority": priority}
    if order_number:
        arguments["order_number"] = order_number
    result = turn.recorder.tool(turn.context, "escalate_to_human", arguments)
    if result.status != "ok":
        return "I can't hand this over right now; please try again in a moment."
    turn.escalated = True
    turn.state.pop("awaiting", None)
    if priority == "urgent":
        return "I'm sorry about this. " + HANDED_OFF.replace("as soon as they can", "shortly; it's marked urgent")
    return HANDED_OFF


def _clarify(turn: Turn) -> str:
    asked = turn.state.get("clarifications", 0) + 1
    if asked >= 2:
        turn.state["clarifications"] = 0
        return "I'm sorry I couldn't work that out. " + _escalate(
            turn, f"The AI could not understand the request: {turn.text[:300]}", priority="normal"
        )
    turn.state["clarifications"] = asked
    return CLARIFY


def _knowledge(turn: Turn) -> str | None:
    result = turn.recorder.tool(turn.context, "search_knowledge_base", {"query": turn.text[:500]})
    if result.status != "ok" or not result.data.get("answer"):
        return None
    if turn.triage is None or turn.triage.clarification_needed:
        # Unsure what the shopper wants: quote an article only if it shares a word with them,
        # since nearest neighbours always find *something*.
        found = " ".join(p["title"] + " " + p["text"] for p in result.data["passages"]).lower()
        if not any(word in found for word in WORD.findall(turn.text.lower()) if word not in STOPWORDS):
            return None
    turn.state["clarifications"] = 0
    link = result.data["article"]["link"]
    title = result.data["article"].get("title") or "the help article"
    return f"{result.data['answer']}\n\nMore: [{title}]({link})" if link else result.data["answer"]


# --------------------------------------------------------------------------- orders


def _ask_for(turn: Turn, intent: str, order_number: str | None, text: str) -> str:
    turn.state["awaiting"] = {"intent": intent, "order_number": order_number or ""}
    turn.state["clarifications"] = 0
    return text


def _order_flow(turn: Turn, intent: str, entities: Entities) -> str:
    context, awaiting = turn.context, turn.state.get("awaiting") or {}
    number = (entities.order_numbers or [None])[0] or awaiting.get("order_number") or None
    choices = awaiting.get("choices") or {}
    if number is None and entities.status_word in choices.values():
        number = next(n for n, status in choices.items() if status == entities.status_word)  # "the pending one"
    if number is None and choices:
        number = _pick_by_items(turn, awaiting.get("items") or {}, entities)  # "the gpu one"
    if number is None and choices and _place_in_list(turn.text) is not None:
        listed = awaiting.get("listed") or sorted(choices)  # as shown, newest first (jsonb keeps no key order)
        place = _place_in_list(turn.text)
        if -len(listed) <= place < len(listed):
            number = listed[place]  # "the most recent one", "the second one"
    if number is None and not entities.my_order and not awaiting and intent in ACTIONS:
        if REFERS_TO_ORDER.search(turn.text):
            # "Cancel it", "can I return it?", after talking about an order: that order.
            number = turn.state.get("order_number") or None
        if number is None and QUESTION.search(turn.text.strip()):
            # "What's your return policy?" asks about the rule, not about acting on an order.
            answer = _knowledge(turn)
            if answer:
                # If an order number comes next ("for ORD-1006"), it is for this.
                turn.state["awaiting"] = {"intent": intent, "order_number": ""}
                return answer
    email = (entities.emails or [None])[0]
    if context.verified and number and email:
        # A verified shopper naming an order and an email: perhaps an order under another
        # address of theirs. The tool decides; a match proves it, as for a visitor.
        result = turn.recorder.tool(context, "lookup_order", {"order_number": number, "email": email})
        if result.data.get("code") == "too_many_attempts":
            return _locked_out(turn, result)
        if result.status == "denied":
            return _ask_for(turn, intent, number, result.data["message"])
        if result.ok and (intent == "order_status" or result.data.get("not_theirs")):
            # Someone else's order shown on its email's proof: this conversation stays its own
            # customer's, so the status is all it gets (tools act for the conversation's customer).
            turn.state.pop("awaiting", None)
            return order_status_text(result.data["order"])
    if not context.verified:
        if number and email:
            result = turn.recorder.tool(context, "lookup_order", {"order_number": number, "email": email})
            if result.data.get("code") == "too_many_attempts":
                return _locked_out(turn, result)
            if result.status != "ok":
                return _ask_for(
                    turn, intent, None, result.data["message"] + " Could you check the order number and email?"
                )
        elif number:
            return _ask_for(
                turn, intent, number, f"Sure. To keep your order private, what's the email address used for {number}?"
            )
        else:
            return _ask_for(
                turn,
                intent,
                None,
                "I can help with that. What's your order number, and the email address you used for the order?",
            )
    if number is None:
        result = turn.recorder.tool(context, "list_orders", {"limit": 5})
        orders = result.data.get("orders", []) if result.ok else []
        if not orders:
            return (
                _said(turn, result)
                if not result.ok
                else "I don't see any orders under your details. Could you give me the order number?"
            )
        # For an action, only the orders it can apply to are candidates: if one, that's it.
        eligible = [o for o in orders if o["status"] in ELIGIBLE.get(intent, ())] or orders
        if intent == "order_status" and len(orders) > 1 and ALL_ORDERS.search(turn.text):
            listing = "; ".join(f"{o['number']} ({o['status']}, placed {o['placed_at']})" for o in orders)
            _offer_choices(turn, intent, orders)
            return f"Your recent orders: {listing}. Which one would you like to know more about?"
        if intent == "order_status" and (entities.product or entities.category):
            holding = {o["number"]: [i["sku"] for i in o["items"]] for o in orders}
            number = _pick_by_items(turn, holding, entities)  # "where's my grinder?"
    if number is None:
        on_the_way = [o for o in orders if o["status"] in IN_FLIGHT]
        if intent == "order_status" and not awaiting and not entities.latest_order and len(on_the_way) > 1:
            # "Where's my stuff?" with several orders on the way: where each of them is.
            _offer_choices(turn, intent, on_the_way)
            lines = "\n".join(f"- {order_status_text(o)}" for o in on_the_way)
            return f"You have {len(on_the_way)} orders on the way:\n{lines}"
        if entities.latest_order or len(eligible) == 1 or (intent == "order_status" and not awaiting):
            number = (eligible if intent in ACTIONS else on_the_way or orders)[0]["number"]
        else:
            listing = "; ".join(f"{o['number']} ({o['status']}, placed {o['placed_at']})" for o in eligible)
            _offer_choices(turn, intent, eligible)
            return f"Which order is it? {listing}."
    turn.state.pop("awaiting", None)
    turn.state["order_number"] = number
    if intent == "order_status":
        result = turn.recorder.tool(context, "lookup_order", {"order_number": number})
        if result.status == "denied":  # an email for it may come next
            turn.state["awaiting"] = {"intent": intent, "order_number": number}
        return order_status_text(result.data["order"]) if result.ok else _said(turn, result)
    arguments = {"order_number": number}
    if intent == "refund_request" and entities.amount is None and PART.search(turn.text):
        # "Refund half", "10%", "just the RAM": not the whole order; never guess the amount.
        return _ask_for(
            turn, intent, number, f"How much would you like refunded for {number}? Please give the amount, e.g. $40."
        )
    if intent == "refund_request":
        if entities.amount is not None:
            arguments["amount"] = str(entities.amount)
        arguments["reason"] = turn.text[:500]
    result = turn.recorder.tool(context, ACTIONS[intent], arguments)
    if result.data.get("suggest") in OFFERS:
        # The tool said no and named what the shopper can do instead: a "yes" next does that.
        turn.state["offered"] = {"intent": OFFERS[result.data["suggest"]], "order_number": number}
    others = [n for n in entities.order_numbers if n != number]
    if others:  # one action at a time, and the rest not forgotten in silence
        return f"{_said(turn, result)}\n\nOne order at a time: ask me about {', '.join(others)} after this."
    return _said(turn, result)


def _place_in_list(text: str) -> int | None:
    """Which item of a list shown newest first: "the first/second/last one", "the most recent"."""
    if RECENT.search(text):
        return 0
    if OLDEST.search(text):
        return -1
    match = ORDINAL.search(text)
    return ORDINALS[match.group(1).lower()] if match else None


def _locked_out(turn: Turn, result: ToolResult) -> str:
    """Too many order number and email pairs that did not match: a person checks who this is."""
    turn.state.pop("awaiting", None)
    escalated = _escalate(turn, "Many order number and email pairs that did not match.", priority="high")
    return result.data["message"] if turn.escalated else escalated


def _offer_choices(turn: Turn, intent: str, orders: list[dict]) -> None:
    """Remember the orders put to the shopper, so "the shipped one" or "the GPU one" picks one."""
    turn.state["awaiting"] = {
        "intent": intent,
        "order_number": "",
        "choices": {o["number"]: o["status"] for o in orders},
        "listed": [o["number"] for o in orders],
        "items": {o["number"]: [i["sku"] for i in o["items"]] for o in orders},
    }


def _pick_by_items(turn: Turn, items: dict[str, list[str]], entities: Entities) -> str | None:
    """The one offered order holding the product, or a product of the category, the shopper
    names; None when none or several do."""
    if entities.product is not None:
        matches = [number for number, skus in items.items() if entities.product.sku in skus]
    elif entities.category is not None:
        skus = {sku for listed in items.values() for sku in listed}
        in_category = set(
            Product.objects.for_tenant(turn.tenant)
            .filter(sku__in=skus, category=entities.category)
            .values_list("sku", flat=True)
        )
        matches = [number for number, listed in items.items() if in_category & set(listed)]
    else:
        return None
    return matches[0] if len(matches) == 1 else None


def order_status_text(order: dict) -> str:
    items = ", ".join(f"{i['quantity']} × {i['name']}" if i["quantity"] > 1 else i["name"] for i in order["items"])
    number, status = order["number"], order["status"]
    tracking = (
        f" with {order['carrier']}, tracking number {order['tracking_number']}" if order.get("tracking_number") else ""
    )
    lines = {
        "pending": f"Order {number} ({items}) is pending: we've received it and will process it shortly.",
        "paid": f"Order {number} ({items}) is paid and being prepared; it hasn't shipped yet.",
        "shipped": f"Order {number} ({items}) shipped on {order['shipped_at']}{tracking}.",
        "delivered": f"Order {number} ({items}) was delivered on {order['delivered_at']}{tracking}.",
        "cancelled": f"Order {number} ({items}) is cancelled.",
        "returned": f"Order {number} ({items}) has been returned.",
        "refunded": f"Order {number} ({items}) has been refunded.",
    }
    return (
        lines.get(status, f"Order {number} ({items}) is {status}.") + f" Total: {order['total']} {order['currency']}."
    )


# --------------------------------------------------------------------------- products


def _product_flow(turn: Turn, intent: str, entities: Entities) -> str | None:
    context = turn.context
    last, shown = turn.state.get("product_sku"), turn.state.get("shown") or {}
    if entities.product is None and shown.get("skus") and ORDINAL.search(turn.text):
        # "Is the first one in stock?": one of the products just listed.
        place = ORDINALS[ORDINAL.search(turn.text).group(1).lower()]
        skus = shown["skus"]
        if -len(skus) <= place < len(skus):
            entities.product = Product.objects.for_tenant(turn.tenant).filter(sku=skus[place]).first()
            if intent not in PRODUCT_INTENTS:
                intent = "stock_check"
    if entities.product is None and CHEAPER.search(turn.text) and (shown or last):
        return _cheaper(turn, entities, shown, last)
    if entities.product is None and last and REFERS_TO_ORDER.search(turn.text):
        # "which PSU should I get for it?": the product talked about last.
        entities.product = Product.objects.for_tenant(turn.tenant).filter(sku=last).first()
    if entities.product is not None:
        turn.state["product_sku"] = entities.product.sku
    elif intent == "compatibility":
        return None  # "does DDR5 work on B650?" is a question for the knowledge base
    if entities.product is not None and entities.category and entities.product.category != entities.category:
        intent = "product_recommendation"  # "which PSU for an RTX 4090?" asks for a PSU that fits it
    _specialist_for(turn, intent)
    if intent == "stock_check" and entities.product is not None:
        result = turn.recorder.tool(context, "check_inventory", {"query": entities.product.sku})
        if not result.ok:
            return _said(turn, result)
        turn.state["clarifications"] = 0
        return " ".join(_stock_text(p, turn.tenant.currency) for p in result.data["products"][:3])
    if entities.category is None and entities.product is None and not entities.attributes:
        if intent == "stock_check":
            return _ask_for(turn, intent, None, "Which product would you like me to check? A name or SKU is perfect.")
        return None
    arguments = {"attributes": entities.attributes}
    if entities.category:
        arguments["category"] = entities.category
    if entities.max_price is not None:
        arguments["max_price"] = str(entities.max_price)
    if entities.product is not None and entities.product.category != entities.category:
        arguments["compatible_with"] = entities.product.sku
    return _recommend(turn, arguments)


def _recommend(turn: Turn, arguments: dict, lead: str = "Here are some options", none: str | None = None) -> str:
    result = turn.recorder.tool(turn.context, "recommend_products", arguments)
    if not result.ok:
        # "none": what to say when nothing matches (the tool's error for an empty result)
        return none if none and result.status == "error" else _said(turn, result)
    turn.state["clarifications"] = 0
    products = result.data["products"]
    if products:
        # What "the first one" and "a cheaper one" refer to next.
        turn.state["shown"] = {"skus": [p["sku"] for p in products], "arguments": arguments,
                               "lowest": str(min(Decimal(p["price"]) for p in products))}  # fmt: skip
    fit = f" that fit the {result.data['compatible_with']}" if result.data.get("compatible_with") else ""
    lines = [
        f"- {p['name']} ({p['sku']}): {p['price']} {turn.tenant.currency}"
        + ("" if p["in_stock"] else " (out of stock right now)")
        for p in products
    ]
    return f"{lead}{fit}:\n" + "\n".join(lines)


def _cheaper(turn: Turn, entities: Entities, shown: dict, last: str | None) -> str | None:
    """Cheaper than what was just shown (the same search, under its lowest price), or than the
    product talked about last (its category)."""
    _specialist_for(turn, "product_recommendation")
    if shown.get("arguments"):
        arguments, below = dict(shown["arguments"]), Decimal(shown["lowest"])
    else:
        product = Product.objects.for_tenant(turn.tenant).filter(sku=last).first()
        if product is None:
            return None
        arguments, below = {"category": product.category, "attributes": {}}, product.price
    arguments["max_price"] = str(below - Decimal("0.01"))
    if entities.max_price is not None:
        arguments["max_price"] = str(min(entities.max_price, below - Decimal("0.01")))
    fit = " that fit" if arguments.get("compatible_with") else ""
    return _recommend(
        turn, arguments, lead="Here are some cheaper options",
        none=f"Those are the most affordable options I have{fit}; there is nothing cheaper right now.",
    )  # fmt: skip


def _specialist_for(turn: Turn, intent: str) -> None:
    """The offline agent acts as the specialist for what it found the shopper wants, when that
    is not the one triage routed to (a follow-up like "a cheaper one?" triages as price talk)."""
    if turn.context.profile is None:
        return  # acting with every tool already
    target = (
        Intent.objects.for_tenant(turn.tenant).filter(name=intent, active=True)
        .values_list("target_profile_id", flat=True).first()
    )  # fmt: skip
    profile = next((p for p in turn.profiles if p.pk == target and p.active and p.role == p.Role.SPECIALIST), None)
    if profile is not None:
        turn.context.profile = profile


def _stock_text(product: dict, currency: str) -> str:
    name, count = f"{product['name']} ({product['sku']})", product["in_stock"]
    if count <= 0:
        return f"The {name} is out of stock right now; it's {product['price']} {currency}."
    places = ", ".join(f"{w}: {q}" for w, q in product["warehouses"].items() if q > 0)
    return f"The {name} is in stock: {count} available ({places}), {product['price']} {currency}."
