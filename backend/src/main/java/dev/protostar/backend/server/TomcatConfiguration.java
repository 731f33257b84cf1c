package dev.protostar.backend.server;

import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

	static final int MAX_TRAILER_SIZE = 1024;

	/**
	 * Puts {@link JsonErrorReportValve} where Tomcat's ErrorReportValve was.
	 * Boot adds a stock valve to the host (to hide the server version); it is
	 * removed, and the host's valve class is set as well, so that the host does
	 * not add yet another stock one when it starts. Unordered, so it runs after
	 * Boot's customizer (order 0) has added the stock valve.
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReportValve() {
		return (factory) -> factory.addContextCustomizers((context) -> {
			Container host = context.getParent();
			if (host instanceof StandardHost standardHost) {
				standardHost.setErrorReportValveClass(JsonErrorReportValve.class.getName());
			}
			Pipeline pipeline = host.getPipeline();
			for (Valve valve : pipeline.getValves()) {
				if (valve instanceof ErrorReportValve && !(valve instanceof JsonErrorReportValve)) {
					pipeline.removeValve(valve);
				}
			}
			pipeline.addValve(new JsonErrorReportValve());
		});
	}

	/**
	 * Smaller per-connection buffers, because every open SSE stream keeps its
	 * connection's: the socket's read and write buffers (8 KB each by default)
	 * and the response buffer ({@link LeanHttp11NioProtocol}). With the
	 * defaults a held stream cost about 110 KB of heap; the 15,000-stream goal
	 * in 1 GB needs well under 70 KB. Requests here are small JSON bodies and
	 * uploads are streamed, so small buffers cost a few more system calls at
	 * most. Measured with {@code scripts/bench/api}.
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> leanConnectionBuffers(
			@Value("${protostar.http.connection-buffer-size:2KB}") DataSize bufferSize) {
		int bytes = Math.toIntExact(bufferSize.toBytes());
		return (factory) -> {
			LeanHttp11NioProtocol.responseBufferSize = bytes;
			factory.setProtocol(LeanHttp11NioProtocol.class.getName());
			factory.addConnectorCustomizers((connector) -> {
				connector.setProperty("socket.appReadBufSize", Integer.toString(bytes));
				connector.setProperty("socket.appWriteBufSize", Integer.toString(bytes));
				// Each connection's chunked-body decoder allocates its trailer buffer up
				// front (8 KB by default), though no client of this API sends trailers.
				connector.setProperty("maxTrailerSize", Integer.toString(MAX_TRAILER_SIZE));
			});
		};
	}

}
