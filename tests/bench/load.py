"""A small closed-loop HTTP load generator: N threads, each sending one request after another."""
import http.client
import json
import random
import threading
import time


class Scenario:
    """`next()` returns (method, path, body-or-None), or None when its pool of ids is used up."""

    def __init__(self, name, method, path=None, *, paths=None, pool=None, body=None):
        self.name, self.method, self.body = name, method, body
        self._path, self._paths, self._pool = path, paths, pool
        self._lock = threading.Lock()

    def next(self):
        if self._pool is not None:
            with self._lock:
                if not self._pool:
                    return None
                item = self._pool.pop()
            return self.method, self._path.format(id=item), self.body
        if self._paths is not None:
            return self.method, random.choice(self._paths), self.body
        return self.method, self._path, self.body


def percentile(sorted_values, p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p * (len(sorted_values) - 1))))
    return sorted_values[k]


def one_request(conn: http.client.HTTPConnection, method: str, path: str, body, headers: dict):
    payload = json.dumps(body).encode() if body is not None else None
    hdrs = dict(headers)
    if payload is not None:
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    if resp.getheader("Connection", "").lower() == "close":
        conn.close()
    return resp.status, data


def run(host: str, port: int, scenario: Scenario, *, seconds: float, concurrency: int, headers: dict,
        warmup: float = 1.0) -> dict:
    """Warm up for `warmup` s (not measured), then measure for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: dict[int, int] = {}
    errors: list[str] = []
    status_lock = threading.Lock()
    state = {"measure_from": None, "stop_at": None, "exhausted": False}
    start = time.perf_counter()
    state["measure_from"] = start + warmup
    state["stop_at"] = start + warmup + seconds

    def worker(idx: int):
        conn = http.client.HTTPConnection(host, port, timeout=120)
        mine = latencies[idx]
        while True:
            now = time.perf_counter()
            if now >= state["stop_at"]:
                break
            req = scenario.next()
            if req is None:
                state["exhausted"] = True
                break
            method, path, body = req
            t0 = time.perf_counter()
            try:
                code, data = one_request(conn, method, path, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                code, data = 0, str(exc).encode()
            t1 = time.perf_counter()
            if t0 < state["measure_from"]:
                continue
            with status_lock:
                statuses[code] = statuses.get(code, 0) + 1
                if not 200 <= code < 300 and len(errors) < 3:
                    errors.append(f"{code} {method} {path}: {data[:300]!r}")
            if 200 <= code < 300:
                mine.append(t1 - t0)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.perf_counter()
    elapsed = max(1e-9, min(end, state["stop_at"]) - state["measure_from"])
    lat = sorted(x for per in latencies for x in per)
    return {
        "ok": len(lat),
        "statuses": statuses,
        "errors": errors,
        "seconds": elapsed,
        "rps": len(lat) / elapsed,
        "p50_ms": percentile(lat, 0.50) * 1000,
        "p99_ms": percentile(lat, 0.99) * 1000,
        "mean_ms": (sum(lat) / len(lat) * 1000) if lat else float("nan"),
        "pool_exhausted": state["exhausted"],
        "latencies": lat,
    }


def merge(results: list[dict]) -> dict:
    """Combine rounds of the same scenario (run interleaved with the other side to share the noise)."""
    lat = sorted(x for r in results for x in r["latencies"])
    seconds = sum(r["seconds"] for r in results)
    statuses: dict[int, int] = {}
    for r in results:
        for code, n in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    return {
        "ok": len(lat), "statuses": statuses, "errors": [e for r in results for e in r["errors"]][:3],
        "seconds": seconds, "rps": len(lat) / seconds if seconds else 0.0,
        "p50_ms": percentile(lat, 0.50) * 1000, "p99_ms": percentile(lat, 0.99) * 1000,
        "mean_ms": (sum(lat) / len(lat) * 1000) if lat else float("nan"),
        "pool_exhausted": any(r["pool_exhausted"] for r in results), "rounds": len(results),
    }


def sequential(host: str, port: int, method: str, path: str, *, samples: int, headers: dict,
               cookies: str | None = None) -> dict:
    """Time `samples` requests one after the other (after one unmeasured warm-up request)."""
    hdrs = dict(headers)
    if cookies:
        hdrs["Cookie"] = cookies
    conn = http.client.HTTPConnection(host, port, timeout=300)
    times, codes, size = [], {}, 0
    for k in range(samples + 1):
        t0 = time.perf_counter()
        code, data = one_request(conn, method, path, None, hdrs)
        dt = time.perf_counter() - t0
        codes[code] = codes.get(code, 0) + 1
        size = len(data)
        if k:
            times.append(dt)
    conn.close()
    times.sort()
    return {"samples": samples, "statuses": codes, "bytes": size, "p50_ms": percentile(times, 0.5) * 1000,
            "p99_ms": percentile(times, 0.99) * 1000, "mean_ms": sum(times) / len(times) * 1000}
