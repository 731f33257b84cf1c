package dev.protostar.backend.health;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.security.PublicEndpoint;

/**
 * Public liveness answer for clients and the deploy tooling, reachable through
 * nginx; the actuator stays on the internal management port.
 */
@RestController
class SystemHealthController {

	private final ProtostarProperties properties;

	SystemHealthController(ProtostarProperties properties) {
		this.properties = properties;
	}

	@PublicEndpoint
	@GetMapping("/api/health")
	ApiResponse<SystemStatus> health() {
		return ApiResponse.ok(new SystemStatus("UP", this.properties.color(), this.properties.version()));
	}

}
