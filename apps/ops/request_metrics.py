"""django-prometheus's request middleware, each labelled series looked up once per process.

`label_metric` is the hook django-prometheus gives its subclasses for the labels of every
series it records. `Metric.labels(...)` returns the same child for the same label values for the
life of the metric, unless the metric is cleared or the series removed — which nothing does to
these request metrics — so the child is remembered instead of asking `labels()` (which sorts the
label names, converts every value and takes the metric's lock) eight times per request. The
children are the metric's own: what `/metrics` exposes is unchanged, in multiprocess mode too.
"""
from django_prometheus import middleware


class PrometheusAfterMiddleware(middleware.PrometheusAfterMiddleware):
    _children: dict = {}  # (metric, (label, value) …) -> the metric's child for those values

    def label_metric(self, metric, request, response=None, **labels):
        if not labels:
            return metric
        key = (metric, *labels.items())
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(**labels)
        return child
