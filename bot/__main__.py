"""`python -m bot` is the same as `authbot`."""

import sys

from .cli import main

sys.exit(main())
