import pytest

from broadcast.config import Settings, TtsProvider

from .standin import KEY, StandIn, make_clip


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """Real speech (espeak-ng) the stand-ins send back."""
    return make_clip(tmp_path_factory.mktemp("cloud-clip"))


@pytest.fixture
def stand_in(clip):
    """``stand_in("zalo", latency=...)``: a running stand-in, stopped after the test."""
    started = []

    def start(provider: str, **kwargs) -> StandIn:
        stand = StandIn(provider, clip, **kwargs).__enter__()
        started.append(stand)
        return stand

    yield start
    for stand in started:
        stand.__exit__(None, None, None)


def engine_for(stand: StandIn, key: str = KEY, **kwargs):
    from broadcast.speech.engines import REGISTRY

    return REGISTRY[stand.provider](api_key=key, url=stand.url, **kwargs)


def config_for(tmp_path, **providers) -> Settings:
    """Installation settings whose cloud providers point at stand-ins (name=(key, url))."""
    return Settings(
        database_url="sqlite://",
        data_dir=tmp_path,
        secret_key="x",
        tts_providers={n: TtsProvider(api_key=k, url=u) for n, (k, u) in providers.items()},
    )
