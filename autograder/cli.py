"""Command line: ``python -m autograder <command>``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path

import course_config
from autograder import safetext
from autograder.safetext import printable

ASSIGNMENT_NAMES = list(course_config.ASSIGNMENTS)


def _assignments(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in course_config.ASSIGNMENTS]
    if unknown:
        raise SystemExit(f"error: unknown assignment {', '.join(unknown)} "
                         f"(the course has: {', '.join(ASSIGNMENT_NAMES)})")
    return names or ASSIGNMENT_NAMES


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder.discovery import DiscoveryError, discover
    from autograder.grading import GraderError, grade
    from autograder.progress import reporter
    from autograder.reports import table, write_json
    from autograder.store import GradeStore

    try:
        found = discover(args.paths)
    except DiscoveryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    submissions = found.submissions
    for ignored in found.ignored:
        print(f"ignored {ignored}", file=sys.stderr)
    store = GradeStore(args.store) if args.store else None
    report = reporter(args.quiet)
    try:
        if args.scheduler or args.cluster:
            from autograder.cluster import ClusterError, connect, grade_on_cluster

            try:
                with connect(args.scheduler, args.cluster, report.log) as client:
                    results = grade_on_cluster(submissions, client, progress=report,
                                               store=store, regrade=args.regrade)
            except ClusterError as exc:
                print(f"error: {printable(exc)}; nothing was graded on the cluster",
                      file=sys.stderr)
                return 3
        else:
            results = grade(submissions, progress=report, store=store, regrade=args.regrade,
                            workers=args.workers)
    except GraderError as exc:
        print(f"error: the grader is broken, no grades were written: {_lines(exc)}",
              file=sys.stderr)
        return 3
    finally:
        report.close()
    print(table(results, details=not args.brief))
    if args.json:
        write_json(results, args.json)
        print(f"\nwrote {args.json}")
    ungraded = [r for r in results if r.ungraded]
    if ungraded:
        print(f"error: {len(ungraded)} submission(s) could not be graded, through no fault of "
              "the students (see 'ungraded' above); grade them again", file=sys.stderr)
        return 4
    return 0


def _lines(text: object) -> str:
    """`text` with each of its lines escaped (`printable`), the line breaks kept."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def cmd_build(args: argparse.Namespace) -> int:
    from autograder.build import BuildError, build, drift
    from autograder.progress import reporter

    assignments = _assignments(args.assignments)
    report = reporter(getattr(args, "quiet", False))
    try:
        if args.check:
            differences = drift(assignments, report)
            for line in differences:
                print(line)
            print("release/ and solutions/ match source/" if not differences else
                  "release/ or solutions/ differ from source/: run `python -m autograder build`")
            return 1 if differences else 0
        build(assignments, report)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"built release/ and solutions/ for {', '.join(assignments)}")
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    from autograder.samples import VariantError, train_sample_models, write_samples

    try:
        if args.train_models:
            for assignment in _assignments(args.assignments):
                for path in train_sample_models(assignment, force=args.force):
                    print(f"saved {path}")
            return 0
        written = write_samples(_assignments(args.assignments), args.out)
    except VariantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} sample submissions under {args.out}")
    return 0


def load_results(path: Path) -> list | None:
    """The submissions of a results file of `grade --json`, or None (said on stderr)."""
    import json

    from autograder.scoring.results import SubmissionResult

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        results = [SubmissionResult.from_dict(s) for s in data["submissions"]]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        print(f"error: {safetext.printable(path)} is not a results file of `grade --json` "
              f"({safetext.printable(exc)})", file=sys.stderr)
        return None
    # Every output keeps one result per student and assignment: never silently the last one.
    owners: dict[tuple[str, str], int] = {}
    for result in results:
        key = (result.student, result.assignment)
        owners[key] = owners.get(key, 0) + 1
    twice = sorted(key for key, count in owners.items() if count > 1 and key[1] != "?")
    if twice:
        from autograder.safetext import printable

        names = ", ".join(printable(f"{student}/{assignment}") for student, assignment in twice)
        print(f"error: {path} holds more than one result for {names}; nothing was written "
              "(grade those submissions again, once each)", file=sys.stderr)
        return None
    return results


def _say_ungraded(results: list) -> int:
    ungraded = [r for r in results if r.ungraded]
    for r in ungraded:
        print(f"warning: {printable(f'{r.student}/{r.assignment}')} is ungraded (no score "
              f"written): {printable(r.ungraded)}", file=sys.stderr)
    return 4 if ungraded else 0


def _default_submitted() -> Path | None:
    path = Path(course_config.ROOT) / "submitted"
    return path if path.is_dir() else None


def cmd_gradebook(args: argparse.Namespace) -> int:
    from autograder.gradebook import push_scores

    results = load_results(args.results)
    if results is None:
        return 2
    submitted = args.submitted or _default_submitted()
    count = push_scores(results, args.db, submitted=submitted, roster=args.roster)
    print(f"set {count} grades of {len(results)} submissions in {args.db}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    import shutil

    from autograder.feedback import write_feedback

    results = load_results(args.results)
    if results is None:
        return 2
    submitted = args.submitted or _default_submitted()
    written = write_feedback(results, args.out, submitted)
    if submitted is not None:  # nbgrader release_feedback reads these beside each page
        for result, page in zip(results, written):
            for name in ("timestamp.txt", "submission_secret.txt"):
                source = Path(submitted) / result.student / result.assignment / name
                if source.is_file():
                    shutil.copyfile(source, page.parent / name)
    print(f"wrote {len(written)} feedback pages under {args.out}")
    return _say_ungraded(results)


def cmd_export(args: argparse.Namespace) -> int:
    from autograder.export import write_csv, write_gradescope

    if not args.csv and not args.gradescope:
        print("error: say what to write: --csv OUT.csv and/or --gradescope DIR", file=sys.stderr)
        return 2
    results = load_results(args.results)
    if results is None:
        return 2
    if args.csv:
        totals, checks = write_csv(results, args.csv)
        print(f"wrote {totals} (totals) and {checks} (every check)")
    if args.gradescope:
        written, ungraded = write_gradescope(results, args.gradescope)
        print(f"wrote {len(written)} Gradescope results under {args.gradescope}"
              + (f"; {len(ungraded)} ungraded (UNGRADED files, no results.json)"
                 if ungraded else ""))
    return _say_ungraded(results)


def cmd_report(args: argparse.Namespace) -> int:
    from autograder.class_report import write_report

    results = load_results(args.results)
    if results is None:
        return 2
    if args.submitted is not None and not args.submitted.is_dir():
        print(f"error: {args.submitted}: no such folder", file=sys.stderr)
        return 2
    write_report(results, args.out, args.submitted, args.similarity)
    print(f"wrote {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Build what is stale, write the samples, and grade them."""
    import shutil

    from autograder.build import is_built
    from autograder.samples import VariantError, first_look, write_samples

    stale = [a for a in ASSIGNMENT_NAMES if not is_built(a)]
    if stale:
        status = cmd_build(argparse.Namespace(assignments=stale, check=False))
        if status:
            return status
    shutil.rmtree(args.out, ignore_errors=True)
    try:
        written = write_samples(ASSIGNMENT_NAMES, args.out, None if args.all else first_look)
    except VariantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} sample submissions under {args.out}", file=sys.stderr)
    status = cmd_grade(argparse.Namespace(paths=[args.out], json=args.json, quiet=False,
                                          brief=False, store=None, regrade=False, workers=None,
                                          scheduler=None, cluster=None))
    if not args.all:
        print("\nThat was the solution and one mistake of each assignment. "
              "`python -m autograder demo --all` grades every sample: the solutions, the "
              "blank releases, every mistake and every other correct answer.")
    return status


def _service_paths(args: argparse.Namespace):
    from autograder.service import Paths

    return Paths.of(args.exchange, args.course, args.state, getattr(args, "store", None))


def cmd_watch(args: argparse.Namespace) -> int:
    """The grading service: grade what arrives in the exchange and release its feedback."""
    from autograder.progress import reporter
    from autograder.service import Service, ServiceError, holding

    paths = _service_paths(args)
    if not (paths.exchange / course_config.COURSE_ID).is_dir():
        print(f"error: {printable(paths.exchange / course_config.COURSE_ID)} is not a course "
              "in an exchange (release an assignment first, or give --exchange)", file=sys.stderr)
        return 2
    report = reporter(args.quiet)
    try:
        with holding(paths.state), contextlib.ExitStack() as stack:
            client = None
            if args.scheduler or args.cluster:
                from autograder.cluster import ClusterError, connect

                try:
                    client = stack.enter_context(connect(args.scheduler, args.cluster,
                                                         report.log))
                except ClusterError as exc:
                    print(f"error: {printable(exc)}", file=sys.stderr)
                    return 3
            service = Service(paths, workers=args.workers, client=client, progress=report,
                              db_url=args.db, check_owner=not args.no_check_owner)
            report.log(f"watching {printable(paths.exchange)} for {course_config.COURSE_ID}"
                       + (" (once)" if args.once else f" every {args.interval:g} s"))
            service.watch(args.interval, once=args.once)
    except ServiceError as exc:
        print(f"error: the grading service stopped, nothing more was released: {_lines(exc)}",
              file=sys.stderr)
        return 3
    finally:
        report.close()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from autograder.service import status

    for line in status(_service_paths(args), check_owner=not args.no_check_owner).lines():
        print(line)
    return 0


def _where_options(parser: argparse.ArgumentParser) -> None:
    """Where notebooks are graded: here with N workers, or on a Dask cluster."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, metavar="N",
                       help="notebooks run at once on this machine (default: its cores, "
                            "while each has 3 GiB of memory)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="grade on the Dask cluster of this scheduler (its workers need the "
                            "kit at this version, no shared files)")
    where.add_argument("--cluster", metavar="local:N",
                       help="start a Dask cluster of N worker processes here and grade on it")


def _service_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exchange", type=Path, metavar="DIR",
                        help=f"nbgrader's exchange (default: {course_config.EXCHANGE_ROOT})")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="the course folder, where submitted/ is collected (default: the kit)")
    parser.add_argument("--state", type=Path, metavar="DIR",
                        help="the service's ledger and heartbeat (default: COURSE/service)")
    parser.add_argument("--no-check-owner", action="store_true",
                        help="grade submission folders whatever account owns them (one account "
                             "for the whole class; otherwise a folder must be its student's)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Build the RNN course and grade its notebooks: student code runs "
                    "sandboxed; hidden checks run in a separate, trusted process.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser("grade", help="grade notebooks, assignment folders or a submitted/ tree",
                       description="Grade submissions and print a table of scores.")
    g.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="a notebook, an assignment folder, or nbgrader's submitted/ tree "
                        "(student/assignment/notebook)")
    g.add_argument("--json", type=Path, metavar="OUT.json", help="also write the results as JSON")
    g.add_argument("--store", type=Path, metavar="DIR",
                   help="keep each result in DIR as soon as it is graded; a re-run skips "
                        "submissions unchanged since (resume after a crash or Ctrl-C)")
    g.add_argument("--regrade", action="store_true",
                   help="with --store: grade again even if unchanged")
    _where_options(g)
    g.add_argument("--brief", action="store_true", help="one line per submission, no messages")
    g.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    g.set_defaults(func=cmd_grade)

    b = sub.add_parser("build", help="generate release/ and solutions/ from source/",
                       description="Generate student releases (with nbgrader) and solution "
                                   "notebooks from the source notebooks.")
    b.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help=f"which ones (default: all of {', '.join(ASSIGNMENT_NAMES)})")
    b.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the committed files differ from a fresh build")
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("samples", help="write sample submissions (solutions, mistakes, blanks)",
                       description="Write the bundled sample submissions as a submitted/ tree.")
    s.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    s.add_argument("--out", type=Path, default=Path("samples/submitted"),
                   help="where to write them (default: samples/submitted)")
    s.add_argument("--train-models", action="store_true",
                   help="instead, train the models the samples hand in (runs their notebooks; "
                        "minutes each) and keep them under samples/models/")
    s.add_argument("--force", action="store_true",
                   help="with --train-models: retrain models that already exist")
    s.set_defaults(func=cmd_samples)

    n = sub.add_parser("gradebook", help="put trusted scores into nbgrader's gradebook",
                       description="Store the scores of `grade --json` as nbgrader's automatic "
                                   "scores, for formgrader, feedback and export.")
    n.add_argument("results", type=Path, metavar="RESULTS.json", help="written by grade --json")
    n.add_argument("--db", default=f"sqlite:///{course_config.ROOT}/gradebook.db",
                   help="nbgrader's gradebook URL (default: the course's gradebook.db)")
    n.add_argument("--submitted", type=Path, metavar="DIR",
                   help="nbgrader's submitted/ tree, for submission times the gradebook lacks "
                        "(default: the course's submitted/)")
    n.add_argument("--roster", type=Path, metavar="STUDENTS.csv",
                   help="names and emails the gradebook lacks, as for `nbgrader db student "
                        "import` (columns id, first_name, last_name, email)")
    n.set_defaults(func=cmd_gradebook)

    f = sub.add_parser("feedback", help="write trusted feedback pages for nbgrader to release",
                       description="One HTML page per submission, in nbgrader's feedback "
                                   "layout (DIR/student/assignment/notebook.html), from the "
                                   "trusted results: then `nbgrader release_feedback`.")
    f.add_argument("results", type=Path, metavar="RESULTS.json", help="written by grade --json")
    f.add_argument("--out", type=Path, default=Path(course_config.ROOT) / "feedback",
                   metavar="DIR", help="where (default: the course's feedback/)")
    f.add_argument("--submitted", type=Path, metavar="DIR",
                   help="nbgrader's submitted/ tree, whose timestamp.txt and "
                        "submission_secret.txt release_feedback needs beside each page "
                        "(default: the course's submitted/)")
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="export trusted results as CSV or for Gradescope",
                       description="Write the trusted results for a spreadsheet or Gradescope; "
                                   "an ungraded submission is marked, never written as 0.")
    e.add_argument("results", type=Path, metavar="RESULTS.json", help="written by grade --json")
    e.add_argument("--csv", type=Path, metavar="OUT.csv",
                   help="one row per student, a column per assignment total; every check in "
                        "OUT-checks.csv beside it")
    e.add_argument("--gradescope", type=Path, metavar="DIR",
                   help="DIR/student/assignment/results.json in Gradescope's autograder format")
    e.set_defaults(func=cmd_export)

    r = sub.add_parser("report", help="write a class report (one HTML page)",
                       description="Scores, check pass rates, common failures, grading times, "
                                   "troubles and submissions that look copied, for the "
                                   "instructor; copies are flagged, never penalised.")
    r.add_argument("results", type=Path, metavar="RESULTS.json", help="written by grade --json")
    r.add_argument("--out", type=Path, default=Path("report.html"), metavar="report.html")
    r.add_argument("--submitted", type=Path, metavar="DIR",
                   help="nbgrader's submitted/ tree: also compare saved models and code")
    r.add_argument("--similarity", type=_share, default=0.9, metavar="SHARE",
                   help="flag code pairs above this share in common (0-1, default 0.9)")
    r.set_defaults(func=cmd_report)

    d = sub.add_parser("demo", help="grade sample submissions (building what is stale first)",
                       description="The whole instructor loop on the bundled samples: build "
                                   "the releases that do not match their sources, write "
                                   "sample submissions, grade them. By default, the solution "
                                   "and one mistake of each assignment (a few minutes).")
    d.add_argument("--all", action="store_true",
                   help="grade every sample: blank releases, every mistake and other correct "
                        "answers too")
    d.add_argument("--out", type=Path, default=Path("samples/submitted"))
    d.add_argument("--json", type=Path, default=Path("grades/samples.json"))
    d.set_defaults(func=cmd_demo)
    w = sub.add_parser("watch", help="the grading service: grade submissions as they arrive in "
                                     "the exchange and release their feedback",
                       description="Grade each new submission in the exchange's inbound with the "
                                   "trusted grader and release its feedback page through the "
                                   "exchange (nbgrader fetch_feedback). State is kept on disk: "
                                   "a restart resumes where it stopped.")
    _service_options(w)
    w.add_argument("--store", type=Path, metavar="DIR",
                   help="the grade store (default: COURSE/grades, as `grade --store grades/`)")
    w.add_argument("--db", metavar="URL",
                   help="also push each grade to this nbgrader gradebook (sqlite:///gradebook.db)")
    w.add_argument("--once", action="store_true", help="grade what has arrived, then exit")
    w.add_argument("--interval", type=float, default=course_config.SERVICE_INTERVAL_SECONDS,
                   metavar="SECONDS", help="how often to look for new submissions")
    _where_options(w)
    w.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    w.set_defaults(func=cmd_watch)
    st = sub.add_parser("status", help="the grading service's queue, latency, failures and canary",
                        description="Read the grading service's state: queue length, "
                                    "submit-to-feedback latency, ungraded and refused "
                                    "submissions, and when the canary last passed.")
    _service_options(st)
    st.set_defaults(func=cmd_status)
    k = sub.add_parser("check", help="students: run a notebook's public tests; exit 1 if one fails")
    k.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    k.add_argument("--traceback", action="store_true", help="print each failed test's traceback")
    k.add_argument("--quiet", action="store_true", help="no progress lines")
    k.set_defaults(func=lambda a: __import__("autograder.student_check", fromlist=["_"]).run(a))
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, not {text!r}")
    return value


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: every child process ends and temporary folders go."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except Terminated:
        print("terminated: results already stored are kept", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted: results already stored are kept", file=sys.stderr)
        return 130
