package dev.protostar.backend.server;

import org.apache.coyote.http11.Http11NioProtocol;

/**
 * Tomcat's HTTP/1.1 NIO protocol with a smaller response buffer. Every open
 * SSE stream is a request in progress, and each holds its response's output
 * buffer for as long as it is open: 8 KB of bytes and 8 K chars (16 KB) by
 * default, a quarter of what a stream costs. Events are small and flushed one
 * by one, so a small buffer loses nothing there; a larger response is simply
 * sent in more chunks. Tomcat sizes the buffer from
 * {@link #getDesiredBufferSize()}, which HTTP/1.1 leaves unset (AJP sets it).
 * Named in {@link TomcatConfiguration}.
 */
public class LeanHttp11NioProtocol extends Http11NioProtocol {

	/** Set before the connector starts (Tomcat instantiates this class by name). */
	static volatile int responseBufferSize = 2048;

	@Override
	public int getDesiredBufferSize() {
		return responseBufferSize;
	}

}
