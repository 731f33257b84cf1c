package dev.protostar.backend.account;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;

/**
 * Where a session is used from, as its user sees it in the session list.
 *
 * @param device the User-Agent, without control characters, at most
 * {@value RefreshTokenStore#DEVICE_MAX} characters; empty if none was sent
 * @param address the client's address: nginx's {@code X-Real-IP} when the
 * request came through it (Tomcat's RemoteIpValve, see application.properties)
 */
record Client(String device, String address) {

	static Client of(HttpServletRequest request) {
		String agent = request.getHeader(HttpHeaders.USER_AGENT);
		String device = (agent != null) ? agent.replaceAll("\\p{Cntrl}", "").strip() : "";
		if (device.length() > RefreshTokenStore.DEVICE_MAX) {
			device = device.substring(0, RefreshTokenStore.DEVICE_MAX);
		}
		String address = request.getRemoteAddr();
		return new Client(device, (address != null) ? address : "");
	}

}
