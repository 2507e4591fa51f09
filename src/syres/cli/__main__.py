from syres.cli.main import main

main()
