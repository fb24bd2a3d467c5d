// The "Requests" tab: the client panel (send any operation, generate load) on top and the
// request list with the selected request's path below.
import { ClientPanel } from '../client/ClientPanel.tsx';
import { RequestList } from './RequestList.tsx';
import './requests.css';

export function RequestsTab() {
  return (
    <div className="requests-tab">
      <ClientPanel />
      <RequestList />
    </div>
  );
}
