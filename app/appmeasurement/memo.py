"""The bounded memos a hit keeps between calls: escaped values (escaping.py), query segments and
send orders (query.py), context-data blocks (contextdata.py) and URL bases (request.py).

A page sends much the same values hit after hit, so each cache is a plain dict looked up on the hot
path; ``remember`` stores into one and empties it when it is full. Emptying rather than evicting one
entry keeps the lookup a bare ``dict.get`` and the memory bounded (the benchmark's 10,000 hits grow
no heap), and the entries a page uses are back after its next hit.

    >>> seen = {}
    >>> remember(seen, "a", 1, 2), remember(seen, "b", 2, 2), sorted(seen)
    (1, 2, ['a', 'b'])
    >>> remember(seen, "c", 3, 2), sorted(seen)
    (3, ['c'])
"""


def remember(memo, key, value, size):
    """``memo[key] = value``, emptying ``memo`` first when it holds ``size`` entries; returns value."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value
    return value
