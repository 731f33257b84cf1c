package dev.protostar.backend.event;

import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/eventstreams}, on the management port only (nginx never routes
 * there): GET counts the event streams this colour holds; POST hands them over (see
 * {@link EventStreams#handOver()}). The deploy's timer posts it to the colour it keeps
 * warm, from nginx's container, right after the switch.
 */
@Component
@Endpoint(id = "eventstreams")
public class EventStreamsEndpoint {

	private final EventStreams streams;

	public EventStreamsEndpoint(EventStreams streams) {
		this.streams = streams;
	}

	@ReadOperation
	public Map<String, Integer> open() {
		return Map.of("open", this.streams.openStreams());
	}

	@WriteOperation
	public Map<String, Integer> handOver() {
		return Map.of("handedOver", this.streams.handOver());
	}

}
