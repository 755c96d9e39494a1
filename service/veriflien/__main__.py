from veriflien.cli import main

raise SystemExit(main())
