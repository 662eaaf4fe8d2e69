"""The `dpia` command. Bad input ends with a message and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from . import files
from .errors import DpiaError, OutputError
from .formats import COMPARE, REPORT
from .terminal import clean

EXIT_CODES = """exit status:
  0    done, nothing wrong found
  1    done, but problems found: validation errors, an invalid audit, a failed report or provider
  2    bad input or usage, or an output that cannot be written; nothing useful was produced
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM). Partial outputs are removed."""


SCHEDULER_HELP = ("run on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786), or `local` for a "
                  "Dask LocalCluster on this machine's cores")


def say(*parts: object, err: bool = False) -> None:
    """Print a line whose text may come from a notice or an audit file, with control characters defused."""
    print(clean(" ".join(str(p) for p in parts)), file=sys.stderr if err else sys.stdout)


def _date(value: str | None, option: str = "--audit-date") -> str | None:
    """A date option as YYYY-MM-DD (20260105 or 2026-W01 are refused, as in audit.yaml)."""
    if value is None:
        return None
    from .audit import date_problem

    reason = date_problem(value)
    if reason:
        raise DpiaError(f"{option} {reason}")
    return value


def _cmd_validate(args: argparse.Namespace) -> int:
    from .audit import load

    failed = False
    for path in args.paths:
        audit = load(path)
        for problem in audit.problems:
            if problem.is_error or not args.quiet:
                say(f"{Path(path) / problem.file}:{problem.row}:{problem.column}: "
                    f"{'warning: ' if not problem.is_error else ''}{problem.message}")
        status = "ok" if audit.valid else "INVALID"
        say(f"{path}: {status} ({len(audit.errors)} errors, {len(audit.warnings)} warnings)")
        failed |= not audit.valid
    return 1 if failed else 0


def _cmd_screen(args: argparse.Namespace) -> int:
    from . import risk
    from .audit import load
    from .screening import screen

    failed = False
    for path in args.paths:
        audit = load(path)
        if not audit.valid:
            say(f"{path}: {len(audit.errors)} validation errors; run `dpia validate {path}`")
            failed = True
            continue
        result = screen(audit)
        scored = risk.register(audit.risks, audit.risk_method, args.method)
        s = risk.summary(scored)
        say(f"{audit.provider} ({path})")
        say(f"  activities {len(audit.activities)}, flows {len(audit.flows)}, risks {len(audit.risks)}")
        say(f"  screening: {result.verdict}")
        for reason in result.reasons:
            say(f"    - {reason}")
        for factor in result.factors:
            say(f"    * {factor}")
        if not len(scored):
            warning = " (warning: a DPIA is required but the risk register is empty)" if result.required else ""
            say(f"  risks: none recorded in risks.csv{warning}")
            continue
        say(f"  risks ({scored.method.iloc[0]}): inherent {_levels(s['inherent'])}; residual {_levels(s['residual'])}; "
            f"highest residual {s['highest_residual'] or 'none'}; prior consultation needed for {s['prior_consultation']}")
    return 1 if failed else 0


def _levels(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {lv}" for lv, n in counts.items())


def _cmd_vocab(args: argparse.Namespace) -> int:
    from . import vocab

    if not args.name:
        for name, voc in vocab.load_all().items():
            say(f"{name:22s} {len(voc):4d}  {voc.title}")
        return 0
    try:
        voc = vocab.get(args.name)
    except vocab.UnknownCodeError as exc:
        close = " or ".join(f"`dpia vocab {s}`" for s in exc.suggestions)
        raise DpiaError(f"no vocabulary named {args.name!r}; " + (f"did you mean {close}? " if close else "")
                        + "run `dpia vocab` to list them all") from None
    if args.on:
        terms = vocab.in_force(args.name, _date(args.on, "--on"))
        if not len(terms):
            say(f"no {args.name} term is in force on {args.on} (the workbench applies the law from "
                f"{vocab.first_day().isoformat()})")
        for term in terms:
            say(f"{term.code:24s} {term.label}")
        return 0
    for versions in voc.versions.values():
        for term in versions:
            say(f"{term.code:24s} {term.label}  [{term.dates()}]")
    return 0


def _method(text: str) -> str:
    """A risk method code, checked against the vocabulary only when the option is given (parsing stays light)."""
    from . import vocab

    methods = vocab.get("risk_methods")
    if methods.resolve(text) is None:
        raise argparse.ArgumentTypeError(f"unknown risk method {text!r}; choose from {', '.join(methods.codes())}")
    return methods.resolve(text)


def _cmd_analyse(args: argparse.Namespace) -> int:
    import json

    from .notice import analyse, read_notice
    from .notice.render import to_html, to_text
    from .terminal import clean_json

    notice = read_notice(Path(args.path))
    profile = analyse(notice, source=clean(notice.source), audit_date=_date(args.audit_date))
    to_file = bool(args.out)
    if args.format == "json":
        output = clean_json(json.dumps(profile.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    elif args.format == "text":
        colour = not to_file and sys.stdout.isatty()
        output = clean(to_text(profile, colour=colour), colour=colour)
    else:
        output = to_html(profile)
    if to_file:
        from .files import write_atomic

        write_atomic(Path(args.out), output)
        say(f"wrote {args.out}", err=True)
    else:
        sys.stdout.write(output)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    return _reports([args.audit], args, workers=1)


def _cmd_batch(args: argparse.Namespace) -> int:
    return _reports(args.audits, args, workers=args.workers)


def _reports(paths: list[str], args: argparse.Namespace, workers: int | None) -> int:
    from .report.batch import run_batch
    formats = REPORT.parse(args.format)
    if args.timeout is not None and args.timeout <= 0:
        raise DpiaError(f"--timeout {args.timeout}: give the seconds a report may take, e.g. 600")
    for path in paths:
        if not Path(path).is_dir():
            raise DpiaError(f"{path}: not an audit folder")
    results = run_batch(paths, args.out, formats=formats, workers=workers, audit_date=_date(args.audit_date),
                        risk_method=args.method, progress=not args.quiet and sys.stderr.isatty(), timeout=args.timeout,
                        scheduler=getattr(args, "scheduler", None))
    for r in results:
        if r.ok:
            say(f"{r.provider}: {', '.join(str(Path(args.out) / p) for p in r.outputs.values())}")
        else:
            say(f"{r.provider or r.audit}: FAILED: {r.error}", err=True)
    say(f"index: {Path(args.out) / 'index.html'} ({sum(r.ok for r in results)} of {len(results)} reports)")
    return 0 if all(r.ok for r in results) else 1


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare
    from .compare_writers import Job
    from .files import ensure_dir

    formats = COMPARE.parse(args.format)
    out = Path(args.out)
    if out.is_dir():
        raise OutputError(f"cannot write {out}: it is a folder; give --out a file name such as {out / 'comparison.html'}")
    ensure_dir(out.parent)
    comparison = compare(args.paths, audit_date=_date(args.audit_date), workers=args.workers)
    if comparison.summarised and "csv" not in formats and ("html" in formats or "pdf" in formats):
        formats += ("csv",)  # a summarised page gives counts: the per-provider matrices go beside it
    job = Job(comparison, out, formats)
    written = [path for name in formats for path in COMPARE[name].load()(job)]
    failed = [p for p in comparison.providers if p.error]
    for p in failed:
        say(f"{p.source}: FAILED: {p.error}", err=True)
    ranking = ", ".join(f"{r.Rank}. {r.Provider} ({r.Score:.0%})" for r in comparison.ranked.head(5).itertuples())
    say(f"compared {len(comparison.providers) - len(failed)} of {len(comparison.providers)} providers"
        f"{f' ({len(failed)} failed)' if failed else ''}; transparency ranking: {ranking or 'none'}")
    for path in written:
        say(f"wrote {path}")
    return 1 if failed else 0


def _cmd_survey(args: argparse.Namespace) -> int:
    from .files import ensure_dir
    from .survey import run_survey

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write into {out}: it is a file; give --out a folder such as survey/")
    ensure_dir(out)
    survey = run_survey(args.inputs, out, audit_date=_date(args.audit_date), scheduler=args.scheduler,
                        progress=not args.quiet and sys.stderr.isatty())
    failed = survey.failed
    for row in failed[:20]:
        say(f"{row['source']}: FAILED: {row['error']}", err=True)
    if len(failed) > 20:
        say(f"... and {len(failed) - 20:,} more failed: {out / 'failed.csv'} lists them all", err=True)
    say(f"surveyed {len(survey.rows) - len(failed):,} of {len(survey.rows):,} notices"
        f"{f' ({len(failed):,} failed)' if failed else ''}")
    for path in survey.written:
        say(f"wrote {path}")
    return 1 if failed else 0

def _cmd_ropa(args: argparse.Namespace) -> int:
    from . import ropa
    from .files import ensure_dir

    out = Path(args.out)
    if out.is_dir():
        raise OutputError(f"cannot write {out}: it is a folder; give --out a file name such as {out / 'ropa.xlsx'}")
    if out.suffix.lower() != ".xlsx":
        raise DpiaError(f"--out {out}: the record of processing is an Excel workbook; give a name ending .xlsx")
    ensure_dir(out.parent)
    left_out = ropa.write(args.audits, out)
    for problem in left_out:
        say(f"{problem}: left out of the record", err=True)
    say(f"wrote {out}: {len(args.audits) - len(left_out)} controllers")
    return 1 if left_out else 0


def _cmd_import_pia(args: argparse.Namespace) -> int:
    from .pia import import_file

    target, notes = import_file(Path(args.file), Path(args.into), args.slug)
    say(f"created {target}: a draft audit from {args.file}"
        + (f"; {notes} items it could not map are kept in notes.md" if notes else "")
        + f" (`dpia validate {target}` lists what to complete)")
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from .audit import load
    from .draft import new_audit

    target = new_audit(args.slug, args.notice, args.into, _date(args.audit_date))
    audit = load(target)
    say(f"created {target}: {len(audit.activities)} activities, {len(audit.flows)} flows, {len(audit.risks)} risks, "
        f"all drafts ({len(audit.warnings)} warnings to review; `dpia validate {target}` lists them)")
    return 0


# ---- dpia walk: JupyterLab on the six walk notebooks, one audit chosen for all of them -------


def _walk_notebooks() -> Path:
    here = Path(__file__).resolve().parents[2] / "notebooks"  # the repository's notebooks/ (editable install)
    if not (here / "01_screening.ipynb").is_file():
        raise DpiaError(f"the walk notebooks are not in {here}; run `dpia walk` from a checkout of the dpia repository")
    return here


def _run_lab(command: list[str], env: dict[str, str], cwd: str) -> int:
    import subprocess

    return subprocess.call(command, env=env, cwd=cwd)


def _cmd_walk(args: argparse.Namespace) -> int:
    import os

    from .widgets import ENV

    audit = Path(args.audit).resolve()
    if not audit.is_dir():
        raise DpiaError(f"{args.audit}: not an audit folder; create one with `dpia new` or name an existing folder")
    notebooks = _walk_notebooks()
    command = [sys.executable, "-m", "jupyterlab"] + (["--no-browser"] if args.no_browser else []) + \
        ([f"--port={args.port}"] if args.port else []) + [f"--ServerApp.root_dir={notebooks}"]
    say(f"walking {audit}: open 01_screening.ipynb ... 06_consultation_and_sign_off.ipynb; every one works on this audit", err=True)
    return _run_lab(command, {**os.environ, ENV: str(audit)}, str(notebooks))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dpia", description="DPIA workbench for UK health and social care providers.",
                                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)

    p = command("validate", help="check audit folders; print file:row:column: message for each problem")
    p.add_argument("paths", nargs="+", metavar="PATH", help="audit folder(s)")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only, not warnings")
    p.set_defaults(func=_cmd_validate)

    p = command("screen", help="print each audit's DPIA screening verdict and risk summary")
    p.add_argument("paths", nargs="+", metavar="PATH", help="audit folder(s)")
    p.add_argument("--method", type=_method, default=None, metavar="METHOD",
                   help="score risks with this method (`dpia vocab risk_methods` lists them)")
    p.set_defaults(func=_cmd_screen)

    p = command("analyse", help="read a privacy notice and report its transparency profile and findings")
    p.add_argument("path", metavar="PATH", help="a .txt, .md or .html notice, or - for standard input")
    p.add_argument("--format", choices=["json", "text", "html"], default="text", help="output format (default text)")
    p.add_argument("--audit-date", metavar="YYYY-MM-DD", default=None, help="judge findings as of this date (default today)")
    p.add_argument("--out", metavar="FILE", help="write the output (any format) to FILE instead of standard output")
    p.set_defaults(func=_cmd_analyse)

    def report_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="reports", metavar="DIR", help="where to write the reports (default reports/)")
        p.add_argument("--format", default=REPORT.default, metavar="LIST", help=REPORT.help())
        p.add_argument("--audit-date", metavar="YYYY-MM-DD", default=None, help="judge notice findings as of this date")
        p.add_argument("--method", type=_method, default=None, metavar="METHOD",
                       help="score risks with this method (`dpia vocab risk_methods` lists them)")
        p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="time limit per report; past it the report fails and the next starts (default 600)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = command("report", help="run the DPIA report notebook on one audit; write the notebook, HTML and PDF")
    p.add_argument("audit", metavar="AUDIT_DIR", help="the audit folder")
    report_options(p)
    p.set_defaults(func=_cmd_report)

    p = command("batch", help="DPIA reports for many audits in parallel, with an index.html")
    p.add_argument("audits", nargs="+", metavar="AUDIT_DIR", help="audit folders, e.g. data/samples/*")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="parallel workers (default: number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, help=SCHEDULER_HELP)
    report_options(p)
    p.set_defaults(func=_cmd_batch)

    p = command("compare", help="compare providers' practices side by side (audit folders and/or notice files)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="audit folders, notice files and/or a survey's profiles.parquet")
    p.add_argument("--out", default="reports/comparison.html", metavar="FILE", help="the HTML file; PDF and CSV go beside it")
    p.add_argument("--format", default=COMPARE.default, metavar="LIST", help=COMPARE.help())
    p.add_argument("--audit-date", metavar="YYYY-MM-DD", default=None, help="judge notice findings as of this date")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="processes for reading many providers")
    p.set_defaults(func=_cmd_compare)

    p = command("survey", help="analyse many providers' notices (thousands): profiles as Parquet, comparison pages")
    p.add_argument("inputs", nargs="+", metavar="NOTICES",
                   help="notice files, folders of notices, or a CSV register with the columns provider and notice")
    p.add_argument("--out", default="survey", metavar="DIR",
                   help="where to write profiles.parquet, comparison.html and its CSV files, failed.csv (default survey/)")
    p.add_argument("--audit-date", metavar="YYYY-MM-DD", default=None, help="judge notice findings as of this date")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, help=SCHEDULER_HELP)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_survey)

    p = command("ropa", help="write the record of processing (UK GDPR Art 30) of one or more audits as an Excel workbook")
    p.add_argument("audits", nargs="+", metavar="AUDIT_DIR", help="audit folders: one sheet per controller")
    p.add_argument("--out", default="reports/ropa.xlsx", metavar="FILE", help="the .xlsx file (default reports/ropa.xlsx)")
    p.set_defaults(func=_cmd_ropa)

    p = command("import-pia", help="read a CNIL PIA tool file (.json) into a draft audit folder")
    p.add_argument("file", metavar="FILE", help="a .json file exported by CNIL's PIA tool or by `dpia report --format pia`")
    p.add_argument("--into", default="data/audits", metavar="DIR", help="where to create the audit (default data/audits/)")
    p.add_argument("--slug", default=None, metavar="SLUG", help="the folder name (default: from the PIA's name)")
    p.set_defaults(func=_cmd_import_pia)

    p = command("new", help="create an audit folder drafted from a privacy notice")
    p.add_argument("slug", metavar="SLUG", help="the folder name, e.g. acme-care")
    p.add_argument("--notice", required=True, metavar="FILE", help="the provider's privacy notice (.txt, .md or .html)")
    p.add_argument("--into", default="data/audits", metavar="DIR", help="where to create it (default data/audits/)")
    p.add_argument("--audit-date", metavar="YYYY-MM-DD", default=None, help="the audit date (default today)")
    p.set_defaults(func=_cmd_new)

    p = command("walk", help="open JupyterLab on the walk notebooks (screening to sign-off) with AUDIT chosen for all")
    p.add_argument("audit", metavar="AUDIT", help="the audit folder to work on")
    p.add_argument("--port", type=int, default=None, help="JupyterLab's port (default: its own choice)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=_cmd_walk)

    p = command("vocab", help="list the vocabularies, or the codes of one with the dates each is in force")
    p.add_argument("name", nargs="?", help="a vocabulary name, e.g. art6")
    p.add_argument("--on", metavar="YYYY-MM-DD", help="only the terms in force on this date, in that day's wording")
    p.set_defaults(func=_cmd_vocab)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same clean-up runs (temporary files, kernels)."""


def _terminate(signum, frame) -> None:
    files.stop(_Terminated())


def _interrupt(signum, frame) -> None:
    files.stop(KeyboardInterrupt())


def _unraisable(unraisable) -> None:
    """A stop raised where Python cannot raise it (a weakref callback) is recorded and acted on later: say nothing of
    it here, where the default hook would print a traceback; anything else goes to that hook."""
    if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and files.stopped() is not None):
        sys.__unraisablehook__(unraisable)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = (signal.signal(signal.SIGTERM, _terminate), signal.signal(signal.SIGINT, _interrupt)) if main_thread else None
    hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    files.resume()
    try:
        code = args.func(args)
        if files.stopped() is not None:  # a stop Python swallowed after the last output was written
            raise files.stopped()
        return code
    except DpiaError as exc:
        say(f"dpia: error: {exc}", err=True)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a read or write the commands did not foresee: still a message, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        say(f"dpia: error: {where}{exc.strerror or exc}", err=True)
        return 2
    except MemoryError:
        say("dpia: error: out of memory; give smaller inputs or fewer at once", err=True)
        return 2
    except KeyboardInterrupt as exc:
        say("dpia: terminated" if isinstance(exc, _Terminated) else "dpia: interrupted", err=True)
        return 143 if isinstance(exc, _Terminated) else 130
    finally:
        files.resume()
        sys.unraisablehook = hook
        if main_thread:
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])


if __name__ == "__main__":
    sys.exit(main())
