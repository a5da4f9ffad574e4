"""Engine adapters, one per library and stage, chosen by ``kind`` from the hardware profile.

``registry.REGISTRY`` lists them; ``base`` holds the interfaces.  Libraries are imported lazily.
"""
