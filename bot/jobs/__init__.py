"""Jobs from the queue to the engine and back: a fair queue, an ETA model, an engine supervisor,
a notifier for everything the person sees, and the dispatcher that ties them together."""
