"""``python -m promokit``."""

import sys

from promokit.cli import main

sys.exit(main())
