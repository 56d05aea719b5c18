//! A ttrpc channel: frames in and out of one stream socket (Go ttrpc's channel.go). It owns the
//! socket's event handlers; nothing thrown by a frame handler escapes into the event loop.

import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { type Decoded, type Frame, type FrameHeader, encodeFrame, FrameDecoder, MESSAGE_LENGTH_MAX } from './frame';

export interface ChannelHandlers {
  /** A whole frame arrived. */
  onFrame(frame: Frame): void;
  /** A frame over the size limit arrived; its payload was skipped. */
  onOversized(header: FrameHeader): void;
  /** The socket is gone; `error` is set unless the peer ended the stream between frames. Called once. */
  onClose(error: Error | undefined): void;
}

export class Channel {
  private readonly decoder: FrameDecoder;
  private closed = false;
  private closeError: Error | undefined;

  constructor(
    readonly socket: Socket,
    private readonly handlers: ChannelHandlers,
    private readonly log: Logger,
    readonly maxLength = MESSAGE_LENGTH_MAX,
  ) {
    this.decoder = new FrameDecoder(maxLength);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => {
      if (!this.decoder.idle) this.closeError ??= new Error('connection ended in the middle of a frame');
      socket.end();
    });
    socket.on('error', (err) => {
      this.closeError ??= err;
    });
    socket.on('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Write one frame. Returns false when the channel is already closed (the frame is dropped).
   * @throws TtrpcError RESOURCE_EXHAUSTED when the payload is over the limit; nothing is written.
   */
  send(streamId: number, type: number, flags: number, payload: Uint8Array): boolean {
    const frame = encodeFrame(streamId, type, flags, payload, this.maxLength);
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return false;
    this.socket.write(frame);
    return true;
  }

  /** Flush what was written, then close (also when the peer keeps its side open). */
  end(): void {
    if (!this.socket.writableEnded) this.socket.end(() => this.socket.destroy());
  }

  /** Close now, dropping unsent data. */
  destroy(error?: Error): void {
    if (error) this.closeError ??= error;
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    let items: Decoded[];
    try {
      items = this.decoder.write(chunk);
    } catch (err) {
      this.log.error({ err }, 'ttrpc: frame decoding failed, closing connection');
      this.destroy(err as Error);
      return;
    }
    for (const item of items) {
      if (this.socket.destroyed) return;
      try {
        if (item.kind === 'frame') this.handlers.onFrame(item.frame);
        else this.handlers.onOversized(item.header);
      } catch (err) {
        this.log.error({ err }, 'ttrpc: frame handler failed, closing connection');
        this.destroy(err as Error);
        return;
      }
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.handlers.onClose(this.closeError);
    } catch (err) {
      this.log.error({ err }, 'ttrpc: close handler failed');
    }
  }
}
