"""`python -m checkpoint_analytics --checkpoint LOCATION [--month YYYY-MM] [--out DIR]`."""

import sys

from checkpoint_analytics.cli import main

sys.exit(main())
