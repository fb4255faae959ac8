"""The README's fenced code blocks, and the requests its shell blocks make (tests/e2e/test_readme.py runs
them; tests/e2e/test_generated_client.py runs its client snippet)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rewards_cli.template import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"

# Lines the tests replace by their own set-up: `make dev` is the test's runner, whose address and
# credentials it exports as API and AUTH; the webhook listener of a second terminal is not started (the
# test registers the webhook; tests/e2e/test_local_runner.py follows deliveries).
STOOD_IN_FOR = re.compile(r"^(make |(export )?(AUTH|API)=|\.venv/bin/rewards webhooks listen)")
# A command that starts at the left margin and calls curl, maybe captured into a variable.
CURL_COMMAND = re.compile(r"^(?:\w+=\$\()?curl\s")
STATED_STATUS = re.compile(r"#\s*→\s*(\d{3})\b")
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Request:
    line: int
    text: str
    status: int | None  # the status its comment states; None: any 2xx


@dataclass(frozen=True)
class Block:
    line: int  # the README line of the opening fence
    language: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def script(self) -> str:
        return "\n".join(line for line in self.lines if not STOOD_IN_FOR.match(line))

    @property
    def requests(self) -> list[Request]:
        """Each curl command: from its line to the next line at the left margin (its continuation lines
        and a multi-line quoted body are indented), with the status its comment states."""
        starts = [i for i, line in enumerate(self.lines) if CURL_COMMAND.match(line)]
        found: list[Request] = []
        for start in starts:
            end = next((i for i in range(start + 1, len(self.lines)) if self.lines[i][:1] not in (" ", "")), None)
            text = "\n".join(self.lines[start : end if end is not None else len(self.lines)])
            stated = STATED_STATUS.search(text)
            found.append(Request(self.line + start + 1, text, int(stated.group(1)) if stated else None))
        return found


def fenced_blocks() -> list[Block]:
    blocks: list[Block] = []
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(README.read_text().splitlines(), start=1):
        fence = FENCE.match(line)
        if opened is None and fence:
            opened, body = (number, fence.group(1)), []
        elif opened is not None and line.startswith("```"):
            blocks.append(Block(opened[0], opened[1], tuple(body)))
            opened = None
        elif opened is not None:
            body.append(line)
    return blocks
