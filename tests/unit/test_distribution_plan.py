"""The pure plan of a batch distribution: who gets which customer, never past capacity."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from highseas.intake.distribution import Receiver, Strategy, plan


def test_round_robin_takes_turns_in_the_order_given() -> None:
    pairs = plan([1, 2, 3, 4, 5], [Receiver(7, 0, 10), Receiver(3, 0, 10)], Strategy.ROUND_ROBIN)
    assert pairs == [(1, 7), (2, 3), (3, 7), (4, 3), (5, 7)]


def test_round_robin_skips_whoever_is_full() -> None:
    pairs = plan([1, 2, 3, 4], [Receiver(7, 9, 10), Receiver(3, 0, 10)], Strategy.ROUND_ROBIN)
    assert pairs == [(1, 7), (2, 3), (3, 3), (4, 3)]


def test_least_loaded_fills_the_emptiest_first_ties_to_the_first_named() -> None:
    pairs = plan([1, 2, 3, 4], [Receiver(7, 2, 10), Receiver(3, 0, 10)], Strategy.LEAST_LOADED)
    assert pairs == [(1, 3), (2, 3), (3, 7), (4, 3)]


def test_nobody_gets_past_capacity_and_what_does_not_fit_stays() -> None:
    for strategy in Strategy:
        pairs = plan(list(range(10)), [Receiver(1, 4, 5), Receiver(2, 0, 2)], strategy)
        assert Counter(user for _, user in pairs) == {1: 1, 2: 2}


@given(
    st.integers(0, 60),
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=6),
    st.sampled_from(Strategy),
)
def test_every_plan_respects_capacity_and_hands_out_each_customer_once(
    customers: int, loads: list[tuple[int, int]], strategy: Strategy
) -> None:
    receivers = [Receiver(n, owned, capacity) for n, (owned, capacity) in enumerate(loads)]
    pairs = plan(list(range(customers)), receivers, strategy)
    given_out = Counter(user for _, user in pairs)
    room = sum(max(r.capacity - r.owned, 0) for r in receivers)
    assert len(pairs) == min(customers, room)
    assert len({c for c, _ in pairs}) == len(pairs)
    assert all(r.owned + given_out[r.user_id] <= max(r.capacity, r.owned) for r in receivers)
