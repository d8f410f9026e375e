"""The API's JSON renderer: DRF's JSONRenderer, with the encoding done by orjson.

A list page is hundreds of values; orjson encodes them several times faster than `json.dumps` with
DRF's encoder class. The output is DRF's: compact UTF-8, dates and times and everything else
orjson does not know passed to DRF's own encoder, U+2028/U+2029 escaped. What orjson refuses
(an integer beyond 64 bits) and pretty-printing (`Accept: application/json; indent=4`) take DRF's
own path."""
import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class ORJSONRenderer(JSONRenderer):
    _default = staticmethod(JSONEncoder().default)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            ret = orjson.dumps(data, default=self._default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATOR in ret or _PARAGRAPH_SEPARATOR in ret:  # as DRF: JSON that is also JavaScript
            ret = ret.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return ret
