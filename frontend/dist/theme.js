"use strict";(()=>{try{let t=localStorage.getItem("pyguide-theme");(t==="light"||t==="dark")&&document.documentElement.setAttribute("data-theme",t)}catch{}})();
