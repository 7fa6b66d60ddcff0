from design_import.cli import main

raise SystemExit(main())
