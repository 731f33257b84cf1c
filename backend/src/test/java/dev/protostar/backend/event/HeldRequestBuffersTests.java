package dev.protostar.backend.event;

import java.io.BufferedReader;
import java.lang.reflect.Field;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequestWrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.InputBuffer;
import org.apache.catalina.connector.Request;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** Against Tomcat's own request classes: the reader buffer shrinks, and reading still works. */
class HeldRequestBuffersTests {

	@Test
	void theReaderBufferOfAWrappedTomcatRequestIsReleased() throws Exception {
		Request request = tomcatRequest("");
		assertThat(readerBuffer(request).capacity()).isEqualTo(InputBuffer.DEFAULT_BUFFER_SIZE);

		boolean released = HeldRequestBuffers.release(new HttpServletRequestWrapper(request.getRequest()));

		assertThat(released).isTrue();
		assertThat(readerBuffer(request).capacity()).isEqualTo(HeldRequestBuffers.HELD_CHAR_BUFFER);
	}

	@Test
	void aBodyLongerThanTheReleasedBufferIsStillReadWhole() throws Exception {
		String body = "한국어와 English, ".repeat(500);
		Request request = tomcatRequest(body);
		HeldRequestBuffers.release(request.getRequest());

		try (BufferedReader reader = request.getReader()) {
			assertThat(reader.lines().reduce("", String::concat)).isEqualTo(body);
		}
	}

	@Test
	void otherRequestsAreLeftAlone() {
		assertThat(HeldRequestBuffers.release(new MockHttpServletRequest())).isFalse();
	}

	private static Request tomcatRequest(String body) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		org.apache.coyote.Request coyote = new org.apache.coyote.Request();
		coyote.setResponse(new org.apache.coyote.Response());
		coyote.setCharset(StandardCharsets.UTF_8);
		coyote.setInputBuffer(new org.apache.coyote.InputBuffer() {

			private boolean done;

			@Override
			public int doRead(ApplicationBufferHandler handler) {
				if (this.done) {
					return -1;
				}
				this.done = true;
				handler.setByteBuffer(java.nio.ByteBuffer.wrap(bytes));
				return bytes.length;
			}

			@Override
			public int available() {
				return this.done ? 0 : bytes.length;
			}

		});
		return new Connector().createRequest(coyote);
	}

	private static CharBuffer readerBuffer(Request request) throws Exception {
		Field inputBuffer = Request.class.getDeclaredField("inputBuffer");
		inputBuffer.setAccessible(true);
		Field cb = InputBuffer.class.getDeclaredField("cb");
		cb.setAccessible(true);
		return (CharBuffer) cb.get(inputBuffer.get(request));
	}

}
