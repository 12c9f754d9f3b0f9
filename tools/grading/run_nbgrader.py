"""Run a grading batch's nbgrader steps in one process (importing nbgrader takes seconds).

    python tools/grading/run_nbgrader.py <course folder> '{"<assignment>": <seconds per cell>, ...}'

For each assignment, in the course folder that `tools/grade.py` prepared (its
``nbgrader_config.py``, ``source/`` and ``submitted/``): `generate_assignment` (creating it in
the gradebook), `autograde` of every submitted student, then `generate_feedback`. Each step's
log goes to standard output; a failed step is reported and the next one still runs, since
nbgrader grades every student it can and `tools/grade.py` reports the rest. Exits 1 if a
`generate_assignment` failed (then nothing of that assignment can be graded).
"""

import json
import sys
import time
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader


def main(argv):
    course, timeouts = Path(argv[0]), json.loads(argv[1])
    status = 0
    for assignment, timeout in sorted(timeouts.items()):
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        config.Execute.timeout = int(timeout)
        api = NbGraderAPI(config=config)
        steps = [("generate_assignment", lambda: api.generate_assignment(assignment, force=True, create=True)),
                 ("autograde", lambda: api.autograde(assignment, "*", force=True, create=True)),
                 ("generate_feedback", lambda: api.generate_feedback(assignment, force=True))]
        for name, step in steps:
            print(f"$ nbgrader {name} {assignment}", flush=True)
            start = time.monotonic()
            result = step()
            print(f"({time.monotonic() - start:.1f} s)", flush=True)
            print(result.get("log", ""), result.get("error", ""), sep="\n", flush=True)
            if not result["success"]:
                print(f"! nbgrader {name} {assignment} failed", flush=True)
                if name == "generate_assignment":
                    status = 1
                    break
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
