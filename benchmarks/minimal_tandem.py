"""A minimal hand-written SimPy model of the 5-station tandem network, as a speed reference.

It is what a modeller would write in a few lines: Poisson arrivals, ``simpy.Resource`` per
station, exponential service, no logging beyond the completion count.
"""

import random

import simpy

ARRIVALS_PER_DAY = 4.0
HORIZON_DAYS = 90.0
# (servers, mean exponential service in days) per station.
STATIONS = ((6, 1.0), (3, 0.5), (8, 1.5), (4, 0.6), (2, 0.4))


def run_minimal_tandem(seed: int) -> int:
    """Run one replication and return the number of jobs that left the last station."""
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=count) for count, _ in STATIONS]
    done = [0]

    def job():
        for resource, (_, mean) in zip(servers, STATIONS):
            with resource.request() as request:
                yield request
                yield env.timeout(rng.expovariate(1.0 / mean))
        done[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(ARRIVALS_PER_DAY))
            env.process(job())

    env.process(arrivals())
    env.run(until=HORIZON_DAYS)
    return done[0]
