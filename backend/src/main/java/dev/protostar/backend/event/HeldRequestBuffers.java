package dev.protostar.backend.event;

import java.lang.reflect.Field;
import java.nio.CharBuffer;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import org.apache.catalina.connector.InputBuffer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.RequestFacade;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Gives back the request-body character buffer of a request that is going to
 * be held open without a body, such as an SSE stream.
 * <p>
 * Tomcat allocates each request's reader buffer up front, 8 K chars (16 KB),
 * and an open stream keeps its request: at 15,000 streams that is 240 MB of
 * heap for buffers nothing will read (heap dumps of held streams showed it as
 * the largest single item once the connection buffers were made small, see
 * TomcatConfiguration). Tomcat offers no setting for it, so the buffer is
 * swapped for a tiny one by reflection. A later request on the same
 * connection that reads its body as characters still works: Tomcat grows the
 * buffer as it needs room. If Tomcat's internals change,
 * nothing is swapped and a warning says so once; streams then cost 16 KB more
 * and nothing else changes.
 */
final class HeldRequestBuffers {

	static final int HELD_CHAR_BUFFER = 64;

	private static final Log logger = LogFactory.getLog(HeldRequestBuffers.class);

	private static final Field FACADE_REQUEST = field(RequestFacade.class, "request");

	private static final Field INPUT_BUFFER = field(Request.class, "inputBuffer");

	private static final Field CHAR_BUFFER = field(InputBuffer.class, "cb");

	private static volatile boolean warned;

	private HeldRequestBuffers() {
	}

	/** @return whether the buffer was released */
	static boolean release(ServletRequest request) {
		ServletRequest unwrapped = request;
		while (unwrapped instanceof ServletRequestWrapper wrapper) {
			unwrapped = wrapper.getRequest();
		}
		if (!(unwrapped instanceof RequestFacade facade) || FACADE_REQUEST == null || INPUT_BUFFER == null
				|| CHAR_BUFFER == null) {
			warnOnce("not a Tomcat request, or Tomcat's internals changed");
			return false;
		}
		try {
			Request tomcatRequest = (Request) FACADE_REQUEST.get(facade);
			InputBuffer input = (InputBuffer) INPUT_BUFFER.get(tomcatRequest);
			CharBuffer held = CharBuffer.allocate(HELD_CHAR_BUFFER);
			held.limit(0);
			CHAR_BUFFER.set(input, held);
			return true;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			warnOnce(ex.toString());
			return false;
		}
	}

	private static Field field(Class<?> type, String name) {
		try {
			Field field = type.getDeclaredField(name);
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null;
		}
	}

	private static void warnOnce(String why) {
		if (!warned) {
			warned = true;
			logger.warn("Held requests keep their 16 KB reader buffer (" + why + "); each open event stream"
					+ " costs that much more heap");
		}
	}

}
