"""`models[]`, `teams[]`, `keys[]`: each kind's parser lives in its own module (config.models, config.teams,
config.keys); the program and the tests have always imported their names from here."""

from __future__ import annotations

from config.keys import DELIVERY_KEYS, KEY_KEYS, DeliveryConfig, KeyConfig, parse_keys  # noqa: F401
from config.models import (  # noqa: F401
    INFERENCE_SERVICE_KEYS, MODEL_KEYS, MODEL_PRICING_KEYS, TOKEN_SECRET_KEYS, InferenceServiceRef, ModelConfig,
    parse_inference_service, parse_models)
from config.references import check_models_declared, check_previous_aliases  # noqa: F401
from config.teams import TEAM_KEYS, TeamConfig, parse_teams  # noqa: F401
