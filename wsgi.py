import gc

from app import create_app

app = create_app()
# What is loaded by now (the app, its models' mappers, SQLAlchemy, Babel...)
# lives as long as the worker: frozen out of the collector's generations, it is
# no longer walked by every full collection (about 220,000 objects, 0.1 s of
# the request that happens to set one off; measured in the README, "Benchmark:
# whole pages over HTTP").
gc.freeze()
