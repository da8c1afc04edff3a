"""Public pages for residents, without an account: report a dispute with a
photo (群众随手拍) and follow it with the tracking code.

A domain package: it imports the layers below it (workflows, the foundation, the
audit core, the engine, the shared services) and disputes (its intake service);
nothing below imports it."""
