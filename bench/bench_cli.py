"""Start-up time of the command line: `portfolio-nb --help` against `python -c pass` (the interpreter alone).

The CLI imports torch, papermill and the engine inside the commands, so `--help` and a bad flag answer at once.
Target: `--help` under 1.5 s. Each command runs in a fresh interpreter, as a user's shell would start it.

Run: python bench/bench_cli.py [--repeats 5]
"""
import argparse, statistics, subprocess, sys, time

def seconds(args, repeats):
    "Median wall time of running `python args` `repeats` times (after one warm-up run that fills the file cache)."
    subprocess.run([sys.executable, *args], capture_output=True, check=True)
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); subprocess.run([sys.executable, *args], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)

def main(repeats):
    help_s = seconds(['-c', 'import sys; from portfolio_nb.cli import main; sys.exit(main(["--help"]))'], repeats)
    bare_s = seconds(['-c', 'pass'], repeats)
    torch_s = seconds(['-c', 'import torch'], repeats)
    print(f"python -c pass        {bare_s:6.3f} s")
    print(f"python -c 'import torch' {torch_s:6.3f} s  (what --help would cost if the CLI imported the engine)")
    print(f"portfolio-nb --help   {help_s:6.3f} s  ratio to python -c pass: {help_s / bare_s:.1f}x; target < 1.5 s: "
          f"{'met' if help_s < 1.5 else 'MISSED'}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=5)
    main(ap.parse_args().repeats)
