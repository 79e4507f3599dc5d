/** What deliveries read of the server's configuration (`delivery` in the config file). */
export type { DeliverySettings as DeliveryConfig } from "../config.js";
