import { Injectable } from '@nestjs/common';

/** Whether this replica is shutting down (turns readiness off at once on SIGTERM). */
@Injectable()
export class DrainState {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }
}
