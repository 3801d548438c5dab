import sys

from litemaas_cli.cli import main

sys.exit(main())
