"""The embedded message broker: kombu's filesystem transport, so `make run` needs no Redis or RabbitMQ.

The transport has no wake-up signal: the worker lists the queue folder every `polling_interval` seconds.
kombu's default (1 s) made a Try wait 0.5 s on average before the worker even saw it. Listing a folder
that holds a handful of files costs microseconds, so 20 ms keeps an idle worker's CPU well under 1% and a
Try's queueing delay around 10 ms. Redis and RabbitMQ push messages and ignore these options.

Polling that fast exposes a race in kombu's own filesystem channel: it writes a message in place (under an
advisory lock that the reader never takes) and the reader moves files without the lock, so a worker could
read a half-written message and stop with "Unrecoverable error: JSONDecodeError". `FilesystemTransport`
makes both ends atomic: a message is written in a staging folder and renamed into the queue folder, and a
reader claims one by renaming it into the processed folder (same filesystem, so exactly one reader wins).
A new exchange table is published whole the same way (kombu creates it empty, then fills it).
"""

import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

FILESYSTEM_POLLING_INTERVAL_S = 0.02
# Celery's `broker_transport`: wins over the URL's scheme, so CELERY_BROKER_URL stays "filesystem://".
FILESYSTEM_TRANSPORT = "config.broker:FilesystemTransport"


def filesystem_transport_options(folder: Path) -> dict:
    """Transport options for a filesystem broker in `folder` (created): one queue folder, nothing kept."""
    for sub in ("in", "staging", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "staging_folder": str(folder / "staging"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": FILESYSTEM_POLLING_INTERVAL_S,
    }


class FilesystemChannel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's name: milliseconds first, so the reader's sorted listing is oldest first.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        staged = os.path.join(self.transport_options["staging_folder"], name)
        try:
            with open(staged, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(staged, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add message {name!r} to the queue folder") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another reader claimed it first
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
            finally:
                if not self.store_processed:
                    os.unlink(claimed)
            return loads(bytes_to_str(payload))
        raise Empty()

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        # kombu creates a new exchange table empty and locks it only afterwards, so a publisher reading it in
        # between gets "" (JSONDecodeError). Link a filled file into place instead: a link never overwrites, and
        # whoever loses the race adds its binding to the winner's table under kombu's own lock.
        file = self._exchange_file(exchange)
        if not file.exists():
            self.control_folder.mkdir(exist_ok=True)
            staged = self.control_folder / f".{uuid.uuid4()}.staged"
            staged.write_bytes(str_to_bytes(dumps([[routing_key or "", pattern or "", queue or ""]])))
            try:
                os.link(staged, file)
                return
            except FileExistsError:
                pass
            finally:
                staged.unlink()
        super()._queue_bind(exchange, routing_key, pattern, queue)


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel
