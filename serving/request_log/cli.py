"""The `python -m serving.request_log` commands, as functions of plain arguments.

Example:
    python -m serving.request_log summary logs/mnist.*.tfrecord
"""

import datetime
import json
import sys

import tensorflow as tf
from google.protobuf import json_format

from common import cli
from serving.request_log.reading import (
    MAX_WARMUP_RECORDS,
    LogReadError,
    read_logs,
    summarize,
    warmup_records,
    write_atomically,
)

PROG = "python -m serving.request_log"


def build_parser():
    """The commands and their arguments, with help text."""
    parser = cli.OneLineParser(prog=PROG, description="Reads the server's request log files.")
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="records per model, signature and API")
    summary.add_argument("files", nargs="+", metavar="FILE", help="request log TFRecord files")
    jsonl = commands.add_parser("to-jsonl", help="one JSON object per record")
    jsonl.add_argument("files", nargs="+", metavar="FILE", help="request log TFRecord files")
    jsonl.add_argument("-o", "--output", help="the JSON Lines file (default: stdout)")
    warmup = commands.add_parser("to-warmup", help="a tf_serving_warmup_requests file")
    warmup.add_argument("files", nargs="+", metavar="FILE", help="request log TFRecord files")
    warmup.add_argument("-o", "--output", required=True, help="the warmup file to write")
    return parser


def summary_text(files):
    """The `summary` report.

    Args:
        files: request log files.

    Returns:
        The text: a header line with the total and time range, then one line per
        model, version, signature and API.
    """
    counts, span = summarize(read_logs(files))
    total = sum(counts.values())
    header = f"{total} records in {len(files)} files"
    if span is not None:
        first, last = (_utc(stamp) for stamp in span)
        header += f", logged from {first} to {last}"
    lines = [header, f"{'model':<16} {'version':>7}  {'signature':<24} {'api':<20} records"]
    for (model, version, signature, kind), count in sorted(counts.items(), key=str):
        version = "-" if version is None else version
        api = kind.removesuffix("_log")
        lines.append(f"{model:<16} {version:>7}  {signature:<24} {api:<20} {count:>7}")
    return "\n".join(lines)


def to_jsonl(files, output=None):
    """Writes one JSON object per record (stdout when output is None, else atomically).

    Args:
        files: request log files.
        output: the JSON Lines file, or None.

    Returns:
        The number of records written.
    """
    lines = [json.dumps(json_format.MessageToDict(record)) + "\n" for record in read_logs(files)]
    if output is None:
        sys.stdout.writelines(lines)
    else:

        def write(path):
            with open(path, "w") as stream:
                stream.writelines(lines)

        write_atomically(output, write)
    return len(lines)


def to_warmup(files, output):
    """Writes a warmup file of the first MAX_WARMUP_RECORDS replayable records.

    Args:
        files: request log files.
        output: the warmup file, e.g. VERSION/assets.extra/tf_serving_warmup_requests.

    Returns:
        (written, skipped) record counts.

    Raises:
        LogReadError: if the files hold no replayable record.
    """
    kept, skipped = warmup_records(read_logs(files))
    if not kept:
        raise LogReadError("no predict, classify, regress or multi_inference records")

    def write(path):
        with tf.io.TFRecordWriter(path) as writer:
            for record in kept:
                writer.write(record.SerializeToString())

    write_atomically(output, write)
    return len(kept), skipped


def main(argv=None):
    """Runs one command.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].

    Returns:
        The exit status: 0, or 1 with a one-line reason on stderr.
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "summary":
            print(summary_text(args.files))
        elif args.command == "to-jsonl":
            count = to_jsonl(args.files, args.output)
            if args.output:
                print(f"{count} records -> {args.output}", file=sys.stderr)
        else:
            written, skipped = to_warmup(args.files, args.output)
            note = ""
            if skipped:
                note = f" (skipped {skipped}: other APIs or over {MAX_WARMUP_RECORDS})"
            print(f"{written} records -> {args.output}{note}", file=sys.stderr)
    except (LogReadError, OSError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    return 0


def _utc(stamp):
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
