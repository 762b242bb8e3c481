import sys

from blofin_assets.cli import main

sys.exit(main())
