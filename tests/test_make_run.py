"""`make run ARGS="..."` hands ARGS to `arrears dev` as they are."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]


def make_run(*options: str, args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *options, "run", f"ARGS={args}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_run_passes_args_to_arrears_dev(tmp_path: Path):
    args = f"--api-port not-a-port --home {tmp_path}"
    # What make would run, first: were ARGS dropped, the run below would start a stack.
    planned = make_run("--dry-run", args=args)
    assert f"bin/arrears dev {args}" in planned.stdout, planned.stdout

    # A port that is no number: `arrears dev` refuses it before starting anything, so the
    # answer can only come from `arrears dev` having been given the flag.
    ended = make_run(args=args)

    assert ended.returncode != 0
    assert "Invalid value for '--api-port'" in ended.stderr + ended.stdout
    assert not any(tmp_path.iterdir()), "arrears dev started something"
