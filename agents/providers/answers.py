"""What a model answered, read as untrusted input: a completion or a stream turned into an
LLMResponse, or MalformedResponse for anything unusable (no choices, a call to a tool that does
not exist, arguments that are not a JSON object, an HTML page with status 200, a stream cut short
or not JSON). Wrong argument types or unknown fields in a well-formed call are not checked
here: the tools layer tells the model about those."""

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from agents.providers.base import DeadlineExceeded, LLMResponse, MalformedResponse, ToolCallRequest
from agents.providers.deadline import passed
from conversations.services import controls_strip


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def callable_names(tools: list[dict] | None) -> set[str]:
    """The names a call may carry: the tools offered, and when some were, any other tool of ours.
    The tools layer denies one the profile does not allow and tells the model why (a denial staff
    can see); a name that is no tool at all is made up, and with nothing offered any call is."""
    offered = {tool.get("function", {}).get("name") for tool in tools or [] if tool.get("type") == "function"}
    if not offered:
        return offered
    from agents.tools.registry import TOOLS  # not at import time: the tools need the apps loaded

    return offered | set(TOOLS)


# Characters that show nothing: an answer of only these is no answer.
INVISIBLE = re.compile("[\u00ad\u115f\u1160\u180e\u200b-\u200f\u2028-\u202f\u205f-\u2064\u2800\u3164\ufeff\uffa0]")
_CALL_KEYS = r"(name|function|tool|tool_name|function_call|tool_calls|parameters|arguments|args|action)"
TOOL_CALL_AS_TEXT = re.compile(
    rf'\s*(\{{\s*"{_CALL_KEYS}"\s*:|\{{\s*"type"\s*:\s*"function"|\[\s*\{{\s*"{_CALL_KEYS}"\s*:'
    r"|<tool_call>|<\|tool_call|\[TOOL_CALLS\]|<function[=>_]|<function_calls?\b|<tool_use\b|<invoke\b"
    r"|<\|python_tag\|>|\[\s*[a-z_]+\(\w+\s*=|[a-z_]+\(\w+\s*=\s*[\"'\d]"  # Llama's, and calls written as code
    r"|(print\(\s*)?(functions|default_api)\.\w+\("  # Gemini's and the OpenAI namespace's
    r"|[<‹]\s*[｜|]\s*tool[▁_ ]calls?[▁_ ]begin|<\|start\|>|<\|channel\|>|to=functions\."  # DeepSeek's, harmony's
    r'|```(json|tool_code|python)?\s*[\[{]?\s*"?(name|tool|function)|```\w*\s*[a-z_]+\(\w+\s*='
    r"|<think>|thought:.*\baction\s*:|action\s*:.*\baction input\s*:)",
    re.I | re.S,
)
# No words at all ("...", "**", "null"): no answer.
WORDLESS = re.compile(r"[\W_]*|(null|none|undefined|nan)\W*", re.I)
# More than any model's context window: a count above it is a broken or hostile server's.
MAX_USAGE_TOKENS = 2_000_000


def _tokens(usage, field: str) -> int:
    value = getattr(usage, field, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return 0
    if value > MAX_USAGE_TOKENS:
        raise MalformedResponse(f"usage says {field} was {value}, more than any model takes")
    return value


# No tool takes more than a couple of thousand characters (a follow-up's 1,600 at most): more is
# a flood, and every later check (the output guard masks each argument) would pay for it.
MAX_ARGUMENTS_CHARS = 8000
CHARS_PER_TOKEN = 4  # a rough rule for English text, for servers that report no usage


def accounted(response: LLMResponse, request: dict) -> LLMResponse:
    """The response priced as the requested model, with its tokens estimated when the server
    reported none: budgets must count every call, whatever the server says."""
    prompt = json.dumps([request["messages"], request.get("tools")], default=str)
    answer = response.content + "".join(call.name + call.arguments for call in response.tool_calls)
    # A server's count far below what the text's length says (none at all, 0, 1) is not taken:
    # the estimate counts instead.
    tokens_in = max(response.tokens_in, len(prompt) // (CHARS_PER_TOKEN * 4))
    tokens_out = max(response.tokens_out, len(answer) // (CHARS_PER_TOKEN * 4))
    if not response.tokens_in and not response.tokens_out:
        tokens_in, tokens_out = len(prompt) // CHARS_PER_TOKEN + 1, len(answer) // CHARS_PER_TOKEN + 1
    return dataclasses.replace(response, tokens_in=tokens_in, tokens_out=tokens_out, requested_model=request["model"])


@dataclass(frozen=True)
class AnswerReader:
    """Reads one provider's answers; ``name`` says whose in every error."""

    name: str

    def parse(self, raw):
        """The body as the SDK reads it: a ChatCompletion, a Stream, or the text of a body that is
        not JSON. Whatever it raises on a hostile body is the provider's failure."""
        try:
            return raw.parse()
        except Exception as error:
            raise MalformedResponse(f"{self.name}: unreadable response: {describe(error)}") from error

    def from_completion(self, completion, model: str, names: set[str]) -> LLMResponse:
        if not isinstance(completion, ChatCompletion):  # a body that is not JSON comes back as its text
            raise MalformedResponse(f"{self.name}: not a chat completion: {str(completion)[:120]!r}")
        if not isinstance(completion.choices, list) or not completion.choices:
            raise MalformedResponse(f"{self.name}: the response had no choices")
        message = getattr(completion.choices[0], "message", None)
        if message is None:
            raise MalformedResponse(f"{self.name}: the choice had no message")
        calls = getattr(message, "tool_calls", None) or []
        if not isinstance(calls, list):
            raise MalformedResponse(f"{self.name}: tool_calls is not a list")
        cut = getattr(completion.choices[0], "finish_reason", None) == "length"
        return LLMResponse(
            provider=self.name,
            model=completion.model if isinstance(completion.model, str) and completion.model else model,
            content=self.answer(self.whole(self.text(getattr(message, "content", None)), cut=cut)),
            tool_calls=[self.message_call(call, names) for call in calls],
            tokens_in=_tokens(completion.usage, "prompt_tokens"),
            tokens_out=_tokens(completion.usage, "completion_tokens"),
        )

    def whole(self, content: str, *, cut: bool) -> str:
        """The answer without a sentence the token limit cut off (``finish_reason`` "length"):
        the sentences before it, or, with none, a failure of the provider's (the offline agent
        answers instead of half a sentence)."""
        if not cut:
            return content
        end = max(content.rfind(mark) for mark in (". ", "! ", "? ", "\n"))
        if content.rstrip().endswith((".", "!", "?")):
            return content
        if end <= 0:
            raise MalformedResponse(f"{self.name}: the answer was cut off at the token limit")
        return content[: end + 1].rstrip()

    def text(self, content) -> str:
        """The content as text the engine can store and send: control characters (a NUL) and
        lone surrogates are dropped, as from a shopper's message."""
        if content is not None and not isinstance(content, str):
            raise MalformedResponse(f"{self.name}: the content is a {type(content).__name__}, not text")
        return controls_strip(content) if content else ""

    def answer(self, content: str) -> str:
        """The whole answer as the shopper may read it: nothing when only invisible characters
        came (the turn then answers without the model); a tool call written as text, as models
        behind a server without a tool parser do, is the provider's failure."""
        if WORDLESS.fullmatch(INVISIBLE.sub("", content).strip()):
            return ""
        if TOOL_CALL_AS_TEXT.match(content):
            raise MalformedResponse(f"{self.name}: a tool call written as the answer's text: {content[:80]!r}")
        return content

    def message_call(self, call, names: set[str]) -> ToolCallRequest:
        function = getattr(call, "function", None)
        name, arguments = getattr(function, "name", None), getattr(function, "arguments", None)
        return self.tool_call(getattr(call, "id", ""), getattr(call, "type", None), name, arguments, names)

    def tool_call(self, call_id, kind, name, arguments, names: set[str]) -> ToolCallRequest:
        """A call the engine can run. Empty arguments are taken as {}: servers send "" for a tool
        without parameters. Arguments of the wrong types are the tools layer's to report."""
        if kind not in (None, "function"):
            raise MalformedResponse(f"{self.name}: a {str(kind)[:40]!r} tool call; only functions are offered")
        if not isinstance(name, str) or not name:
            raise MalformedResponse(f"{self.name}: a tool call without a tool name")
        if name not in names:
            raise MalformedResponse(f"{self.name}: a call to {name[:80]!r}, a tool neither offered nor ours")
        if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
            arguments = "{}"
        if isinstance(arguments, str) and len(arguments) > MAX_ARGUMENTS_CHARS:
            raise MalformedResponse(f"{self.name}: the arguments to {name} are {len(arguments)} characters long")
        try:
            parsed = json.loads(arguments) if isinstance(arguments, str) else None
        except (ValueError, RecursionError):  # not JSON, or nested deeper than anyone writes
            parsed = None
        if not isinstance(parsed, dict):
            raise MalformedResponse(f"{self.name}: the arguments to {name} are not a JSON object: {arguments!r:.120}")
        return ToolCallRequest(id=call_id if isinstance(call_id, str) else "", name=name, arguments=arguments)

    def chunks(self, stream, deadline: float | None) -> Iterator[ChatCompletionChunk]:
        """The stream's chunks, the deadline checked after each. Whatever the SDK raises reading
        or decoding them (a cut connection, a chunk that is not JSON) is the provider's failure."""
        chunks = iter(stream)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except Exception as error:
                raise MalformedResponse(f"{self.name}: the stream broke: {describe(error)}") from error
            if passed(deadline):
                raise DeadlineExceeded(f"{self.name}: still streaming at the deadline")
            if not isinstance(chunk, ChatCompletionChunk) or not isinstance(chunk.choices or [], list):
                raise MalformedResponse(f"{self.name}: a stream chunk that is not a completion chunk")
            yield chunk

    def collect(self, stream, model: str, on_text: Callable[[str], None], names: set[str], deadline) -> LLMResponse:
        content: list[str] = []
        calls: dict[object, dict] = {}
        usage = None
        chosen = finished = cut = False
        for chunk in self.chunks(stream, deadline):
            model = chunk.model if isinstance(chunk.model, str) and chunk.model else model
            usage = chunk.usage or usage
            for choice in chunk.choices or []:
                chosen = True
                finished = finished or bool(getattr(choice, "finish_reason", None))
                cut = cut or getattr(choice, "finish_reason", None) == "length"
                delta = getattr(choice, "delta", None)
                text = self.text(getattr(delta, "content", None))
                if text:
                    content.append(text)
                    on_text(text)
                self.gather(calls, getattr(delta, "tool_calls", None))
        if not chosen:
            raise MalformedResponse(f"{self.name}: the stream ended without any choice")
        if not finished:
            # Every OpenAI-compatible server ends a choice with a finish_reason. Without one, the
            # connection closed mid-answer, and over HTTP/1.0 that looks like a clean end.
            raise MalformedResponse(f"{self.name}: the stream ended before the answer did (no finish_reason)")
        return LLMResponse(
            provider=self.name,
            model=model,
            content=self.answer(self.whole("".join(content), cut=cut)),
            tool_calls=[self.tool_call(c["id"], c["type"], c["name"], c["arguments"], names) for c in calls.values()],
            tokens_in=_tokens(usage, "prompt_tokens"),
            tokens_out=_tokens(usage, "completion_tokens"),
        )

    def gather(self, calls: dict[object, dict], pieces) -> None:
        """Tool calls arrive in pieces, keyed by index: the id, type and name first, the
        arguments a few characters at a time."""
        if pieces is None:
            return
        if not isinstance(pieces, list):
            raise MalformedResponse(f"{self.name}: tool_calls is not a list")
        for piece in pieces:
            index = getattr(piece, "index", None)
            empty = {"id": "", "type": None, "name": "", "arguments": ""}
            entry = calls.setdefault(index if isinstance(index, int) else None, empty)
            entry["id"] = getattr(piece, "id", None) or entry["id"]
            entry["type"] = getattr(piece, "type", None) or entry["type"]
            function = getattr(piece, "function", None)
            name, arguments = getattr(function, "name", None), getattr(function, "arguments", None)
            if not isinstance(name or "", str) or not isinstance(arguments or "", str):
                raise MalformedResponse(f"{self.name}: a tool call whose name or arguments are not text")
            entry["name"] += name or ""
            entry["arguments"] += arguments or ""
