package dev.protostar.backend.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

import dev.protostar.backend.api.ResultCode;

/**
 * Tomcat's last word on an error, used when a response fails before (or
 * outside) the Spring application: a malformed request Tomcat rejects itself,
 * or an error page that could not be rendered. The stock valve answers with an
 * HTML page naming Tomcat; this one writes the envelope. It has no access to
 * Spring beans (Tomcat creates it), so the JSON is written by hand from
 * constant strings.
 */
class JsonErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		// Same guards as the stock valve: not an error, a body already written,
		// or another reporter got there first.
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		ResultCode code = ResultCode.forStatus(status);
		String body = "{\"resultCode\":\"" + code.name() + "\",\"data\":null,\"message\":\"" + code.defaultMessage()
				+ "\"}";
		try {
			response.setContentType("application/json");
			response.setCharacterEncoding(StandardCharsets.UTF_8.name());
			response.getReporter().write(body);
			response.finishResponse();
		}
		catch (IOException | IllegalStateException ex) {
			// The connection is gone or the response was committed meanwhile;
			// nothing more can be said to this client.
		}
	}

}
