"""The embedded broker (config/broker.py): kombu's filesystem transport made atomic and polled fast."""

import threading

from kombu import Connection, Exchange, Queue

from config.broker import FILESYSTEM_POLLING_INTERVAL_S, FILESYSTEM_TRANSPORT, filesystem_transport_options


def test_the_default_settings_use_the_atomic_transport_polled_every_20_ms(settings):
    assert settings.CELERY_BROKER_URL.startswith("filesystem://")
    assert settings.CELERY_BROKER_TRANSPORT == FILESYSTEM_TRANSPORT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] == FILESYSTEM_POLLING_INTERVAL_S <= 0.05


def test_a_consumer_polling_while_a_producer_writes_gets_every_message_whole_and_once(tmp_path):
    # kombu's own channel lets a reader take a file the writer is still filling (JSONDecodeError in the worker).
    options = filesystem_transport_options(tmp_path)
    exchange = Exchange("race", type="direct")
    queue = Queue("race", exchange, routing_key="race")
    big = "x" * 200_000  # large bodies widen the window a non-atomic write leaves open
    count, received, errors = 300, [], []

    def consume():
        with Connection("filesystem://", transport=FILESYSTEM_TRANSPORT, transport_options=options) as conn:
            simple = conn.SimpleQueue(queue)
            try:
                while len(received) < count:
                    message = simple.get(timeout=60)  # generous: a loaded CI machine is slow, not lossy
                    received.append(message.payload["n"])
                    assert message.payload["body"] == big
                    message.ack()
            except Exception as exc:  # the assertion is made in the main thread
                errors.append(exc)
            finally:
                simple.close()

    reader = threading.Thread(target=consume)
    reader.start()
    with Connection("filesystem://", transport=FILESYSTEM_TRANSPORT, transport_options=options) as conn:
        producer = conn.Producer(serializer="json")
        for n in range(count):
            producer.publish({"n": n, "body": big}, exchange=exchange, routing_key="race", declare=[queue])
    reader.join(180)

    assert not errors
    assert sorted(received) == list(range(count))
    assert not list((tmp_path / "in").iterdir()) and not list((tmp_path / "processed").iterdir())
