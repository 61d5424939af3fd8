"""`python -m plan <stack>`: the offline plan of a stack (see plan/command.py)."""

import sys

from plan.command import main

sys.exit(main())
