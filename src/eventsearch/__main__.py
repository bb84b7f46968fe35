from eventsearch.cli import main

main()
