from datetime import UTC, datetime, timedelta

from servicepact.web.throttle import MemoryFailures, SignInThrottle

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> datetime:
        return START + timedelta(seconds=self.now)


def test_five_failures_lock_the_user_at_that_address_for_the_rest_of_the_window():
    clock = FakeClock()
    throttle = SignInThrottle(MemoryFailures(clock), max_failures=5, window_seconds=900)
    for _ in range(4):
        throttle.failed("Alice", "10.0.0.1")
        clock.now += 10
    assert throttle.wait_seconds("alice", "10.0.0.1") == 0  # 4 failures: still allowed
    throttle.failed("alice", "10.0.0.1")  # the 5th, at t = 1040
    # The first failure was at t = 1000; the window ends at 1900; now is 1040 → 860 s.
    assert throttle.wait_seconds("alice", "10.0.0.1") == 860
    assert throttle.wait_seconds("alice", "10.0.0.2") == 0  # another address
    assert throttle.wait_seconds("bob", "10.0.0.1") == 0  # another user
    clock.now = 1900  # the first failure leaves the window: 4 remain
    assert throttle.wait_seconds("alice", "10.0.0.1") == 0


def test_a_success_clears_the_failures():
    throttle = SignInThrottle(MemoryFailures(FakeClock()), max_failures=2, window_seconds=60)
    throttle.failed("alice", "a")
    throttle.succeeded("ALICE", "a")
    throttle.failed("alice", "a")
    assert throttle.wait_seconds("alice", "a") == 0
