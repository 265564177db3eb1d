#!/usr/bin/env python3
"""A TCP relay on loopback that adds a fixed delay to each direction.

    latency_proxy.py --target 127.0.0.1:995 --delay-ms 25 [--listen 127.0.0.1:0]

Prints "READY <port>" once it listens, then relays until SIGTERM/SIGINT.
Every chunk read from one side is written to the other side `delay` later, in
order, so a round trip costs 2 x delay while throughput is not limited (the
chunks of a pipelined burst travel together, like packets on a long link).
TLS passes through untouched: the relay never looks at the bytes.

Why userspace and not `tc netem`: netem on `lo` would slow down every program
on the machine, including other people's builds and tests.
"""

import argparse
import asyncio
import signal
import sys

READ_SIZE = 256 * 1024
_EOF = None  # queue marker: the source side closed


async def pump(reader, writer, delay, loop):
    """Copies reader -> writer, delaying each chunk by `delay` seconds."""
    queue = asyncio.Queue()

    async def read_side():
        try:
            while True:
                data = await reader.read(READ_SIZE)
                if not data:
                    break
                queue.put_nowait((loop.time() + delay, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((loop.time() + delay, _EOF))

    async def write_side():
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is _EOF:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass

    await asyncio.gather(read_side(), write_side())


async def handle(client_reader, client_writer, target, delay):
    loop = asyncio.get_running_loop()
    try:
        server_reader, server_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(
            pump(client_reader, server_writer, delay, loop),
            pump(server_reader, client_writer, delay, loop),
        )
    except asyncio.CancelledError:
        pass  # shutting down
    finally:
        for w in (client_writer, server_writer):
            w.close()


def host_port(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:0", type=host_port)
    parser.add_argument("--target", required=True, type=host_port)
    parser.add_argument("--delay-ms", type=float, default=25.0, help="one-way delay")
    args = parser.parse_args()
    delay = args.delay_ms / 1000.0

    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args.target, delay), *args.listen, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
