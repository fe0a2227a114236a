from evaluator.commands.cli import main

main()
