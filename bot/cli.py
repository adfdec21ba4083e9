"""Command line: ``residency-bot {start,run,chat,ask,validate,eval,report}``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import chat as terminal_chat
from bot.evaluation import evaluate, load_cases
from bot.knowledge import Knowledge, load_faq
from bot.matching import Thresholds
from bot.replies import respond
from bot.settings import DEFAULT_CONFIG, SettingsError, load_settings


def _load_knowledge(path: str, thresholds: Thresholds, err: TextIO) -> Knowledge | None:
    result = load_faq(path, thresholds, check_confusion=False)
    if result.knowledge is None:
        for problem in result.errors:
            print(problem, file=err)
        print(f"{path}: not loaded ({len(result.errors)} error(s)); "
              f"run 'residency-bot validate {path}' for details", file=err)
    return result.knowledge


def cmd_validate(args: argparse.Namespace) -> int:
    """Report every problem in the FAQ file; exit 1 on errors."""
    result = load_faq(args.path or args.faq, args.settings.matching.thresholds())
    for problem in result.problems:
        print(problem)
    errors, warnings = len(result.errors), len(result.warnings)
    if result.knowledge is not None:
        unknown = result.knowledge.stale_entry_offsets()
        if unknown:
            warnings += 1
            print(f"{args.config or DEFAULT_CONFIG}: warning: matching.entry_offsets names "
                  f"entries this FAQ does not have: {', '.join(unknown)} — fix: use the "
                  "entries' current ids, or remove them")
        entries = len(result.knowledge.faq.entries)
        print(f"{result.knowledge.path}: OK, {entries} entries, {warnings} warning(s)")
        return 0
    print(f"{args.path or args.faq}: {errors} error(s), {warnings} warning(s)")
    return 1


def cmd_ask(args: argparse.Namespace) -> int:
    """Print the reply to one question, or JSON verdicts for questions on stdin."""
    knowledge = _load_knowledge(args.faq, args.settings.matching.thresholds(), sys.stderr)
    if knowledge is None:
        return 1
    if not args.json:
        if not args.question:
            print("ask: give a QUESTION, or use --json to read questions from stdin",
                  file=sys.stderr)
            return 2
        _, reply = respond(knowledge, " ".join(args.question))
        print(reply.as_text())
        return 0
    questions = [" ".join(args.question)] if args.question else (
        line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        match = knowledge.matcher.match(question)
        print(json.dumps({
            "question": question,
            "decision": match.decision.value,
            "entry_id": match.entry_id,
            "confidence": round(match.confidence, 4),
            "candidates": [{"id": c.id, "score": c.score} for c in match.candidates],
        }, ensure_ascii=False), flush=False)
    sys.stdout.flush()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot in the terminal."""
    knowledge = _load_knowledge(args.faq, args.settings.matching.thresholds(), sys.stderr)
    if knowledge is None:
        return 1
    terminal_chat.run(knowledge, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the matcher on a question set; exit 1 below the bars."""
    knowledge = _load_knowledge(args.faq, args.settings.matching.thresholds(), sys.stderr)
    if knowledge is None:
        return 1
    report = evaluate(knowledge.matcher, load_cases(args.cases))
    print(report.render(show_misses=not args.quiet))
    failed = False
    if args.min_accuracy is not None and report.accuracy < args.min_accuracy:
        print(f"FAIL: accuracy {report.accuracy:.1%} < {args.min_accuracy:.1%}")
        failed = True
    if args.max_wrong is not None and report.wrong_rate > args.max_wrong:
        print(f"FAIL: wrong answers {report.wrong_rate:.1%} > {args.max_wrong:.1%}")
        failed = True
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Start the Discord bot (needs DISCORD_TOKEN)."""
    from bot.runner import run_bot  # discord.py is imported only when the bot runs

    return run_bot(args.settings, faq=args.faq_override, log_level=args.log_level)


def cmd_start(args: argparse.Namespace) -> int:
    """``make run``: the Discord bot if a token is set, else the terminal chat."""
    if args.settings.discord_token is not None or os.environ.get("DISCORD_TOKEN"):
        return cmd_run(args)
    print("DISCORD_TOKEN is not set: starting the terminal chat (Ctrl-D to quit).",
          file=sys.stderr)
    return cmd_chat(args)


def cmd_report(args: argparse.Namespace) -> int:
    """Print the question-log report."""
    from bot.report import print_report

    return print_report(args.config, days=args.days, fmt=args.format, faq=args.faq_override)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(prog="residency-bot", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--faq", default=None, help="FAQ file (default: faq_path in config)")
    common.add_argument("--config", type=Path, default=None,
                        help=f"settings file (default: {DEFAULT_CONFIG})")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", parents=[common], help="check an FAQ file")
    p.add_argument("path", nargs="?", help="FAQ file to check (default: --faq)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ask", parents=[common], help="print the reply to a question")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true",
                   help="JSON verdicts; without QUESTION, one question per stdin line")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="talk to the bot in the terminal")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", parents=[common], help="score the matcher on a question set")
    p.add_argument("cases", help="YAML list of {q: question, expect: [ids] | null}")
    p.add_argument("--min-accuracy", type=float, default=None, help="exit 1 below (0..1)")
    p.add_argument("--max-wrong", type=float, default=None, help="exit 1 above (0..1)")
    p.add_argument("--quiet", action="store_true", help="totals only")
    p.set_defaults(func=cmd_eval)

    for name, func in (("run", cmd_run), ("start", cmd_start)):
        p = sub.add_parser(name, parents=[common],
                           help="start the Discord bot" if name == "run"
                           else "the bot if DISCORD_TOKEN is set, else the terminal chat")
        p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING, ERROR")
        p.set_defaults(func=func)

    p = sub.add_parser("report", parents=[common], help="question-log report")
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--format", choices=("md", "csv"), default="md")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``residency-bot`` and ``python -m bot``."""
    args = build_parser().parse_args(argv)
    args.faq_override = args.faq
    try:  # read once here; the commands take it from args
        args.settings = load_settings(args.config)
    except SettingsError as error:  # one line, not a traceback, for every command
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.faq is None:
        args.faq = str(args.settings.faq_path)
    code: int = args.func(args)
    return code
