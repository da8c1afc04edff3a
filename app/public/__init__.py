"""Public pages for residents, without an account: report a dispute with a
photo (群众随手拍) and follow it with the tracking code."""
