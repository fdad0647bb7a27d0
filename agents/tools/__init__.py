"""The agent's tools: typed arguments validated before running, authorization in code, each a
thin wrapper over a service or selector. ``execute`` never raises: every failure becomes a
result the model (or the offline agent) can read and answer from."""

from agents.tools.base import ToolContext, ToolResult
from agents.tools.registry import TOOLS, execute, openai_tool_specs

__all__ = ["TOOLS", "ToolContext", "ToolResult", "execute", "openai_tool_specs"]
