"""Clean-up that survives the test run: a small process that outlives a killed pytest and stops what it started.

The suite tells it (one JSON object per line on its stdin) what to clean: ``{"killpg": pid}`` (a process group to
kill; ``{"forget_killpg": pid}`` once it has ended), ``{"kill": pid}`` (one process: a service; likewise
``forget_kill``), ``{"pg_stop": [command...]}`` (a PostgreSQL cluster to stop),
``{"rmtree": folder}``. When its stdin
closes (the suite stopped it, or pytest died, however hard), it does all of it, each step at most once and
quietly: what was already stopped stays stopped. Standard library only.
"""
import json
import os
import shutil
import signal
import subprocess
import sys


def main():
    killpg, kill, pg_stop, rmtree = [], [], [], []
    for line in sys.stdin:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if "killpg" in item:
            killpg.append(int(item["killpg"]))
        if "forget_killpg" in item and int(item["forget_killpg"]) in killpg:  # stopped already: the number may
            killpg.remove(int(item["forget_killpg"]))                          # soon be another process's
        if "kill" in item:
            kill.append(int(item["kill"]))
        if "forget_kill" in item and int(item["forget_kill"]) in kill:
            kill.remove(int(item["forget_kill"]))
        if "pg_stop" in item:
            pg_stop.append(item["pg_stop"])
        if "rmtree" in item:
            rmtree.append(item["rmtree"])
    for pid in kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for command in pg_stop:
        try:
            subprocess.run(command, capture_output=True, timeout=60)
        except Exception:
            pass
    for pgid in killpg:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
    for folder in rmtree:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C aimed at pytest must not stop the clean-up first
    main()
