"""The landing page: sends each user to their own work (my cases, the elder's
invitations, my duties, the rota, the closure history).

A shared service: it imports workflows/ and app.auth; never a domain."""
