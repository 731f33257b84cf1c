package dev.protostar.backend;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A multipart/form-data body written byte by byte, so that tests control every
 * header of every part (the file name and type a browser would send, or a
 * malformed one).
 */
public final class Multipart {

	private final String boundary = "----protostar-test-" + UUID.randomUUID();

	private final ByteArrayOutputStream body = new ByteArrayOutputStream();

	public Multipart file(String name, String filename, String contentType, byte[] content) {
		StringBuilder headers = new StringBuilder();
		headers.append("--").append(this.boundary).append("\r\n");
		headers.append("Content-Disposition: form-data; name=\"").append(name).append("\"; filename=\"")
			.append(filename.replace("\"", "%22"))
			.append("\"\r\n");
		if (contentType != null) {
			headers.append("Content-Type: ").append(contentType).append("\r\n");
		}
		headers.append("\r\n");
		write(headers.toString());
		this.body.writeBytes(content);
		write("\r\n");
		return this;
	}

	public Multipart field(String name, String value) {
		write("--" + this.boundary + "\r\nContent-Disposition: form-data; name=\"" + name
				+ "\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n");
		write(value);
		write("\r\n");
		return this;
	}

	public String contentType() {
		return "multipart/form-data; boundary=" + this.boundary;
	}

	public byte[] bytes() {
		ByteArrayOutputStream copy = new ByteArrayOutputStream();
		copy.writeBytes(this.body.toByteArray());
		copy.writeBytes(("--" + this.boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
		return copy.toByteArray();
	}

	private void write(String text) {
		this.body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
	}

}
